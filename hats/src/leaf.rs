//! Parquet files of table rows: the leaves of a HATS catalogue (`_healpix_29` first, then the
//! table's columns), and the `_metadata` / `_common_metadata` files that describe them all.

use crate::Error;
use parquet::basic::{ColumnOrder, Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DoubleType, FloatType, Int32Type, Int64Type,
};
use parquet::file::metadata::{
    FileMetaData, KeyValue, ParquetMetaData, ParquetMetaDataWriter, RowGroupMetaData, SortingColumn,
};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{ColumnPath, SchemaDescriptor, Type, TypePtr};
use std::sync::Arc;
use xcat_core::column::ColumnData;
use xcat_core::{DataType, Field, Table};

/// Name of the spatial index column.
pub const INDEX_COLUMN: &str = "_healpix_29";

/// How the leaves of one catalogue are written: its Parquet schema and writer settings, the
/// same for every leaf so that `_metadata` can describe them all.
#[derive(Debug, Clone)]
pub struct LeafFormat {
    schema: TypePtr,
    props: Arc<WriterProperties>,
    /// The sort order of each column's statistics, as the file writer states it.
    orders: Option<Vec<ColumnOrder>>,
}

impl LeafFormat {
    /// The format of leaves holding `fields` after `_healpix_29`: every table column nullable,
    /// integers and booleans as their Parquet types, strings UTF-8 (dictionary-encoded), the
    /// index delta-encoded, Snappy compression,
    /// statistics per page (the column and offset indexes that let readers skip pages by
    /// `_healpix_29`), at most `row_group_rows` rows per row group.
    pub fn new(fields: &[Field], row_group_rows: usize, metadata: Vec<(String, String)>) -> Self {
        let mut columns = vec![Arc::new(
            Type::primitive_type_builder(INDEX_COLUMN, Physical::INT64)
                .with_repetition(Repetition::REQUIRED)
                .build()
                .expect("a valid INT64 column"),
        )];
        for f in fields {
            let (physical, logical) = match f.dtype {
                DataType::Bool => (Physical::BOOLEAN, None),
                DataType::U8 => (Physical::INT32, Some(LogicalType::integer(8, false))),
                DataType::I16 => (Physical::INT32, Some(LogicalType::integer(16, true))),
                DataType::I32 => (Physical::INT32, None),
                DataType::I64 => (Physical::INT64, None),
                DataType::F32 => (Physical::FLOAT, None),
                DataType::F64 => (Physical::DOUBLE, None),
                DataType::Str => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
            };
            columns.push(Arc::new(
                Type::primitive_type_builder(&f.name, physical)
                    .with_repetition(Repetition::OPTIONAL)
                    .with_logical_type(logical)
                    .build()
                    .expect("a valid column type"),
            ));
        }
        let schema = Arc::new(
            Type::group_type_builder("schema")
                .with_fields(columns)
                .build()
                .expect("a valid schema"),
        );
        let kv = (!metadata.is_empty()).then(|| {
            metadata
                .into_iter()
                .map(|(k, v)| KeyValue::new(k, v))
                .collect()
        });
        // Dictionaries only for strings (numbers rarely repeat enough to pay for the attempt);
        // the sorted index delta-encoded, as HATS recommends.
        let mut props = WriterProperties::builder()
            .set_dictionary_enabled(false)
            .set_column_encoding(
                ColumnPath::from(INDEX_COLUMN),
                parquet::basic::Encoding::DELTA_BINARY_PACKED,
            );
        for f in fields.iter().filter(|f| f.dtype == DataType::Str) {
            props = props.set_column_dictionary_enabled(ColumnPath::from(f.name.as_str()), true);
        }
        let props = props
            .set_writer_version(WriterVersion::PARQUET_1_0)
            .set_compression(Compression::SNAPPY)
            .set_statistics_enabled(EnabledStatistics::Page)
            .set_max_row_group_row_count(Some(row_group_rows.max(1)))
            .set_created_by(format!("xcat {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(kv)
            .set_sorting_columns(Some(vec![SortingColumn {
                column_idx: 0,
                descending: false,
                nulls_first: false,
            }]))
            .build();
        let mut format = LeafFormat {
            schema,
            props: Arc::new(props),
            orders: None,
        };
        // The column orders of a file without rows: those of every leaf.
        format.orders =
            SerializedFileWriter::new(Vec::new(), format.schema.clone(), format.props.clone())
                .and_then(|mut w| w.finish())
                .ok()
                .and_then(|m| m.file_metadata().column_orders().cloned());
        format
    }

    /// Number of columns, `_healpix_29` included.
    pub fn columns(&self) -> usize {
        self.schema.get_fields().len()
    }

    /// A Parquet file of the rows `rows` of `table` (in that order), whose `_healpix_29` are
    /// `index` (same length, ascending), with its footer metadata.
    pub fn write(
        &self,
        table: &Table,
        rows: &[u32],
        index: &[u64],
    ) -> Result<(Vec<u8>, ParquetMetaData), Error> {
        assert_eq!(rows.len(), index.len());
        let mut out = Vec::new();
        let mut w = SerializedFileWriter::new(&mut out, self.schema.clone(), self.props.clone())?;
        let group = self.props.max_row_group_row_count().unwrap_or(rows.len());
        for (rows, index) in rows.chunks(group.max(1)).zip(index.chunks(group.max(1))) {
            let mut rg = w.next_row_group()?;
            let mut col = rg.next_column()?.expect("the index column");
            let values: Vec<i64> = index.iter().map(|&h| h as i64).collect();
            col.typed::<Int64Type>().write_batch(&values, None, None)?;
            col.close()?;
            for column in table.columns() {
                let mut col = rg.next_column()?.expect("one writer per column");
                let v = column.validity();
                let defs: Vec<i16> = rows
                    .iter()
                    .map(|&r| v.is_valid(r as usize) as i16)
                    .collect();
                let valid = || rows.iter().map(|&r| r as usize).filter(|&r| v.is_valid(r));
                let defs = Some(&defs[..]);
                match column.data() {
                    ColumnData::Bool(d) => {
                        let x: Vec<bool> = valid().map(|r| d[r]).collect();
                        col.typed::<BoolType>().write_batch(&x, defs, None)?
                    }
                    ColumnData::U8(d) => {
                        let x: Vec<i32> = valid().map(|r| d[r] as i32).collect();
                        col.typed::<Int32Type>().write_batch(&x, defs, None)?
                    }
                    ColumnData::I16(d) => {
                        let x: Vec<i32> = valid().map(|r| d[r] as i32).collect();
                        col.typed::<Int32Type>().write_batch(&x, defs, None)?
                    }
                    ColumnData::I32(d) => {
                        let x: Vec<i32> = valid().map(|r| d[r]).collect();
                        col.typed::<Int32Type>().write_batch(&x, defs, None)?
                    }
                    ColumnData::I64(d) => {
                        let x: Vec<i64> = valid().map(|r| d[r]).collect();
                        col.typed::<Int64Type>().write_batch(&x, defs, None)?
                    }
                    ColumnData::F32(d) => {
                        let x: Vec<f32> = valid().map(|r| d[r]).collect();
                        col.typed::<FloatType>().write_batch(&x, defs, None)?
                    }
                    ColumnData::F64(d) => {
                        let x: Vec<f64> = valid().map(|r| d[r]).collect();
                        col.typed::<DoubleType>().write_batch(&x, defs, None)?
                    }
                    ColumnData::Str(d) => {
                        let x: Vec<ByteArray> =
                            valid().map(|r| ByteArray::from(d.get(r))).collect();
                        col.typed::<ByteArrayType>().write_batch(&x, defs, None)?
                    }
                };
                col.close()?;
            }
            rg.close()?;
        }
        let meta = w.close()?;
        Ok((out, meta))
    }

    /// The `_metadata` file of a dataset: the schema and every row group of every leaf, each
    /// column chunk naming its file (`leaves`: path below `dataset/` and footer of each leaf).
    pub fn dataset_metadata(
        &self,
        leaves: &[(String, &ParquetMetaData)],
    ) -> Result<Vec<u8>, Error> {
        let mut groups = Vec::new();
        for (path, meta) in leaves {
            for rg in meta.row_groups() {
                let columns = rg
                    .columns()
                    .iter()
                    .map(|c| c.clone().into_builder().set_file_path(path.clone()).build())
                    .collect::<Result<Vec<_>, _>>()?;
                groups.push(
                    rg.clone()
                        .into_builder()
                        .set_column_metadata(columns)
                        .set_ordinal(groups.len() as i32)
                        .build()?,
                );
            }
        }
        self.footer_file(groups)
    }

    /// The `_common_metadata` file: the schema without row groups.
    pub fn common_metadata(&self) -> Result<Vec<u8>, Error> {
        self.footer_file(Vec::new())
    }

    fn footer_file(&self, groups: Vec<RowGroupMetaData>) -> Result<Vec<u8>, Error> {
        let rows = groups.iter().map(RowGroupMetaData::num_rows).sum();
        let file = FileMetaData::new(
            1,
            rows,
            self.props.created_by().to_string().into(),
            self.props.key_value_metadata().cloned(),
            Arc::new(SchemaDescriptor::new(self.schema.clone())),
            self.orders.clone(),
        );
        let meta = ParquetMetaData::new(file, groups);
        let mut out = b"PAR1".to_vec();
        ParquetMetaDataWriter::new(&mut out, &meta).finish()?;
        Ok(out)
    }
}
