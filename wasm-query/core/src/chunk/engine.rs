//! The reader side: plans a query over the manifest, says which files it needs, and evaluates
//! it on the rows assembled from them.
//!
//! The engine never does I/O. Each phase either returns its result or [`Step::Need`] with the
//! files it is missing; the caller (the browser module with `fetch`, or a test with a map of
//! files) fetches them, hands them to [`Engine::insert`] and calls the phase again. Decoded
//! files stay cached, so a repeated or refined query fetches nothing twice.
//!
//! Planning: the candidate rows are the intersection of (1) the tiles overlapping every cone of
//! the top-level conjunction, (2) the rows a key index gives for a top-level `srcid IN {…}` /
//! `iauname IN {…}` / `= value`, and (3) the segments whose zone maps allow a match. The
//! referenced columns of the candidates come from tile chunks or column segments, whichever
//! is fewer bytes to fetch; the reference evaluator ([`crate::query::eval`]) then runs over
//! them, so results are exact (a cone filters by true angular distance).

use super::gather::{Gather, count, intersect, ranges_of};
use super::{
    ChunkError, FileKind, FileRef, IndexKeys, IndexPage, LinkPage, Manifest, TileChunk, decode,
    decode_manifest, tiling, zone,
};
use crate::column::Column;
use crate::names::NameTable;
use crate::query::eval::cmp_text;
use crate::query::{
    CmpOp, EvalError, Expr, Operand, Order, Query, QueryError, QueryOptions, Scalar, sort_rows,
};
use crate::schema::{Field, Schema};
use crate::table::Table;
use std::collections::{BTreeSet, HashMap};

/// Files a phase is missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Need {
    /// The files, with their kind (for decoding).
    pub files: Vec<(FileKind, FileRef)>,
}

/// Why a query could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// A data file was rejected.
    #[error(transparent)]
    Chunk(#[from] ChunkError),
    /// The query text.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Evaluation over the assembled rows.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// A request the engine cannot serve (unknown sort or output column, …).
    #[error("{0}")]
    Request(String),
}

/// A phase's outcome when it did not finish.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Fetch these files and call again.
    Need(Need),
    /// It failed.
    Fail(EngineError),
}

impl<E: Into<EngineError>> From<E> for Step {
    fn from(e: E) -> Self {
        Step::Fail(e.into())
    }
}

#[derive(Debug)]
enum Block {
    Tile(TileChunk),
    Segment(Column),
    Index(IndexPage),
    Link(LinkPage),
    Names(NameTable),
}

/// Candidate rows of a query and how they were chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Candidate rows (tile order), sorted disjoint ranges.
    pub ranges: Vec<(u32, u32)>,
    /// Tiles selected by cones (`None` when the query has no top-level cone).
    pub tiles: Option<Vec<usize>>,
    /// Index used and the number of keys looked up.
    pub index: Option<(String, usize)>,
    /// Segments (row blocks) kept and skipped by zone maps.
    pub segments_kept: usize,
    /// Segments skipped.
    pub segments_skipped: usize,
}

/// What [`Engine::explain`] reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Explain {
    /// The plan.
    pub plan: Plan,
    /// Candidate rows.
    pub candidate_rows: usize,
    /// Columns the condition reads.
    pub columns: Vec<String>,
    /// Tile (order, ipix) of the selected tiles, at most 50.
    pub tile_cells: Vec<(u8, u64)>,
    /// Files evaluation reads and their stored bytes.
    pub files: usize,
    /// Stored bytes of those files.
    pub bytes: u64,
    /// Human-readable reasons.
    pub notes: Vec<String>,
}

/// Sorting, paging and columns of a query run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunOptions {
    /// Column to sort by (`None`: tile order).
    pub sort: Option<String>,
    /// Largest first.
    pub desc: bool,
    /// Further sort columns for rows equal in `sort` (ADQL's `ORDER BY a, b DESC`), each
    /// with its direction (`true`: largest first).
    pub then: Vec<(String, bool)>,
    /// First result row to return.
    pub offset: usize,
    /// Most rows to return.
    pub limit: usize,
    /// Output columns; empty = the default columns; `["*"]` = all.
    pub columns: Vec<String>,
    /// The part of the sorted result that is the result (an ADQL query's `OFFSET` and `TOP`):
    /// rows `skip..skip + take`; `None`, every row.
    pub window: Option<(usize, usize)>,
    /// Sort by this computed value instead of `sort` (a position in another frame, such as
    /// `gal_l(sc_ra, sc_dec)`); nulls last, `desc` for largest first.
    pub sort_value: Option<crate::query::Num>,
    /// The total count is not needed (an ADQL query without `COUNT`): without a sort, the
    /// evaluation stops once the rows up to the end of the page, and one more, are found, and
    /// [`QueryResult::count`] is then a lower bound that still tells whether rows follow the
    /// page.
    pub first_rows_only: bool,
}

/// Rows evaluated at a time when only the first rows are needed (few in tests, so that their
/// small tables take several batches).
#[cfg(not(test))]
const BATCH_ROWS: u32 = 16_384;
#[cfg(test)]
const BATCH_ROWS: u32 = 7;

impl RunOptions {
    /// Matches needed before the evaluation may stop (`None`: all of them).
    fn matches_needed(&self) -> Option<usize> {
        if !self.first_rows_only || self.sort.is_some() || self.sort_value.is_some() || self.desc {
            return None;
        }
        let page = self.offset.saturating_add(self.limit).saturating_add(1);
        Some(match self.window {
            Some((skip, take)) => skip.saturating_add(take.min(page)),
            None => page,
        })
    }
}

/// A page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// Matching rows in total.
    pub count: usize,
    /// The page: the output columns of the rows `offset..offset + limit` in sort order.
    pub page: Table,
    /// Tile-order row ids of the page.
    pub row_ids: Vec<u32>,
}

/// The query engine over one site's data folder.
#[derive(Debug)]
pub struct Engine {
    manifest: Manifest,
    /// The manifest's tiles prepared for cone searches (their cells' centres), made once.
    tile_cells: tiling::CellRuns,
    cache: HashMap<u64, Block>,
}

fn need(files: Vec<(FileKind, FileRef)>) -> Step {
    Step::Need(Need { files })
}

impl Engine {
    /// Opens the manifest read from `path` (`…/manifest.<hash>.bin`).
    pub fn open(path: &str, bytes: &[u8]) -> Result<Engine, ChunkError> {
        let manifest = decode_manifest(path, bytes)?;
        Ok(Engine {
            tile_cells: tiling::CellRuns::of_tiles(&manifest.tiles),
            manifest,
            cache: HashMap::new(),
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The queryable schema.
    pub fn schema(&self) -> &Schema {
        &self.manifest.schema
    }

    /// Options for [`Query::parse`] matching this catalogue.
    pub fn query_options(&self) -> QueryOptions {
        QueryOptions {
            default_radius_deg: self.manifest.default_radius_deg,
            position_columns: Some((
                self.manifest.ra_column.clone(),
                self.manifest.dec_column.clone(),
            )),
            links: self
                .manifest
                .links
                .iter()
                .map(|l| (l.key.clone(), l.target.clone()))
                .collect(),
            ..QueryOptions::default()
        }
    }

    /// Whether a file is decoded and cached.
    pub fn has(&self, f: &FileRef) -> bool {
        self.cache.contains_key(&f.hash)
    }

    /// Number of cached files.
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// Drops a cached file (to bound memory); a query that needs it again asks for it.
    /// Whether it was cached.
    pub fn evict(&mut self, f: &FileRef) -> bool {
        self.cache.remove(&f.hash).is_some()
    }

    /// Verifies and decodes a fetched file (decoded bytes) and caches it.
    pub fn insert(&mut self, kind: FileKind, f: &FileRef, bytes: &[u8]) -> Result<(), ChunkError> {
        let path = f.path();
        let block = match kind {
            FileKind::Tile => {
                let t: TileChunk = decode(kind, &path, Some(f), bytes)?;
                if t.columns.len() != self.manifest.tile_columns.len() {
                    return Err(body(kind, &path, "wrong number of columns".into()));
                }
                for (c, name) in t.columns.iter().zip(&self.manifest.tile_columns) {
                    self.check(kind, &path, c, name, None)?;
                }
                Block::Tile(t)
            }
            FileKind::Segment => {
                let c: Column = decode(kind, &path, Some(f), bytes)?;
                c.check().map_err(|e| body(kind, &path, e.into()))?;
                Block::Segment(c)
            }
            FileKind::IndexPage => {
                let p: IndexPage = decode(kind, &path, Some(f), bytes)?;
                let n = match &p.keys {
                    IndexKeys::Int(k) => k.len(),
                    IndexKeys::Str(k) => k.len(),
                };
                if n != p.rows.len() || p.rows.iter().any(|&r| r >= self.manifest.rows) {
                    return Err(body(kind, &path, "keys and rows disagree".into()));
                }
                Block::Index(p)
            }
            FileKind::LinkPage => {
                let p: LinkPage = decode(kind, &path, Some(f), bytes)?;
                if p.keys.len() != p.targets.len() {
                    return Err(body(kind, &path, "keys and targets disagree".into()));
                }
                Block::Link(p)
            }
            FileKind::Names => Block::Names(decode(kind, &path, Some(f), bytes)?),
            FileKind::Manifest => {
                return Err(body(kind, &path, "a manifest is not a chunk".into()));
            }
        };
        self.cache.insert(f.hash, block);
        Ok(())
    }

    fn check(
        &self,
        kind: FileKind,
        path: &str,
        c: &Column,
        name: &str,
        rows: Option<usize>,
    ) -> Result<(), ChunkError> {
        let dtype = self
            .manifest
            .schema
            .get(name)
            .map(|f| f.dtype)
            .ok_or_else(|| body(kind, path, format!("column {name} is not in the schema")))?;
        super::check_column(c, dtype, rows.unwrap_or(c.len()))
            .map_err(|e| body(kind, path, format!("column {name}: {e}")))
    }

    /// The name table, once fetched (see [`Engine::names_file`]).
    pub fn names(&self) -> Option<&NameTable> {
        let f = self.manifest.names?;
        match self.cache.get(&f.hash) {
            Some(Block::Names(n)) => Some(n),
            _ => None,
        }
    }

    /// The name-table file, when the site has one.
    pub fn names_file(&self) -> Option<(FileKind, FileRef)> {
        self.manifest.names.map(|f| (FileKind::Names, f))
    }

    /// Parses `text` against the catalogue's schema.
    pub fn parse(&self, text: &str) -> Result<Query, QueryError> {
        Query::parse(text, &self.manifest.schema, &self.query_options())
    }

    /// Reads `text` as the query language, or, when it starts with SELECT, as ADQL over this
    /// catalogue (ADQL schema `schema`, see [`crate::query::adql::schema_name`]), whose select
    /// list, order, TOP and OFFSET then go into `options`.
    pub fn prepare(
        &self,
        text: &str,
        schema: &str,
        options: &mut RunOptions,
    ) -> Result<Query, QueryError> {
        if !crate::query::adql::looks_like_adql(text) {
            return self.parse(text);
        }
        let (q, select) = Query::adql(text, &self.manifest.schema, &self.query_options())?;
        select.check_table(text, schema)?;
        select.apply(options);
        Ok(q)
    }

    /// Whether the catalogue has an index on `column` (`IAUNAME`, `SRCID`).
    pub fn has_index(&self, column: &str) -> bool {
        self.index(column).is_some()
    }

    fn index(&self, column: &str) -> Option<&super::KeyIndex> {
        self.manifest
            .indexes
            .iter()
            .find(|i| i.column.eq_ignore_ascii_case(column))
    }

    /// Rows whose `column` equals one of `keys`, through the column's index; `None` when the
    /// column has no index or the keys are not of its type.
    fn index_rows(&self, column: &str, keys: &[Scalar]) -> Option<Result<Vec<u32>, Step>> {
        let idx = self.index(column)?;
        let ints: Option<Vec<i64>> = keys
            .iter()
            .map(|k| match k {
                Scalar::Int(i) => Some(*i),
                _ => None,
            })
            .collect();
        let strs: Option<Vec<String>> = keys
            .iter()
            .map(|k| match k {
                Scalar::Str(s) => Some(s.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        let before = |p: &super::IndexPageEntry, key: &crate::value::Value, or_equal: bool| {
            let o = match (&p.first, key) {
                (crate::value::Value::Int(a), crate::value::Value::Int(b)) => a.cmp(b),
                (crate::value::Value::Str(a), crate::value::Value::Str(b)) => cmp_text(a, b),
                _ => std::cmp::Ordering::Greater,
            };
            o == std::cmp::Ordering::Less || (or_equal && o == std::cmp::Ordering::Equal)
        };
        let wanted: Vec<crate::value::Value> = match (ints, strs) {
            (Some(v), _) => v.into_iter().map(crate::value::Value::Int).collect(),
            (_, Some(v)) => v.into_iter().map(crate::value::Value::Str).collect(),
            _ => return None,
        };
        // A key's entries start on the last page whose first key is smaller (or on page 0)
        // and end on the last page whose first key is not larger: repeated keys span pages.
        let mut pages = BTreeSet::new();
        for k in &wanted {
            let lo = idx
                .pages
                .partition_point(|p| before(p, k, false))
                .saturating_sub(1);
            if let Some(hi) = idx
                .pages
                .partition_point(|p| before(p, k, true))
                .checked_sub(1)
            {
                pages.extend(lo..=hi);
            }
        }
        let missing: Vec<_> = pages
            .iter()
            .map(|&p| idx.pages[p].file)
            .filter(|f| !self.has(f))
            .map(|f| (FileKind::IndexPage, f))
            .collect();
        if !missing.is_empty() {
            return Some(Err(need(missing)));
        }
        let mut rows = Vec::new();
        for &p in &pages {
            let Some(Block::Index(page)) = self.cache.get(&idx.pages[p].file.hash) else {
                continue;
            };
            match &page.keys {
                IndexKeys::Int(_) => {
                    let keys = page.int_keys();
                    for k in &wanted {
                        if let crate::value::Value::Int(k) = k {
                            let a = keys.partition_point(|x| x < k);
                            let b = keys.partition_point(|x| x <= k);
                            rows.extend(page.rows.get(a..b).unwrap_or(&[]));
                        }
                    }
                }
                IndexKeys::Str(keys) => {
                    for k in &wanted {
                        if let crate::value::Value::Str(k) = k {
                            let a = keys.partition_point(|x| x.as_str() < k.as_str());
                            let b = keys.partition_point(|x| x.as_str() <= k.as_str());
                            rows.extend(page.rows.get(a..b).unwrap_or(&[]));
                        }
                    }
                }
            }
        }
        rows.sort_unstable();
        rows.dedup();
        Some(Ok(rows))
    }

    /// Target values (SRCIDs) of link keys (DETIDs) through the link index `key`.
    pub fn link_targets(&self, key: &str, keys: &[i64]) -> Result<Vec<i64>, Step> {
        let Some(link) = self
            .manifest
            .links
            .iter()
            .find(|l| l.key.eq_ignore_ascii_case(key))
        else {
            return Ok(Vec::new());
        };
        let first = |p: &super::IndexPageEntry| match p.first {
            crate::value::Value::Int(i) => i,
            _ => i64::MAX,
        };
        // Keys are unique, so a key lives on the last page whose first key is not larger.
        let mut pages = BTreeSet::new();
        for k in keys {
            if let Some(p) = link
                .pages
                .partition_point(|p| first(p) <= *k)
                .checked_sub(1)
            {
                pages.insert(p);
            }
        }
        let missing: Vec<_> = pages
            .iter()
            .map(|&p| link.pages[p].file)
            .filter(|f| !self.has(f))
            .map(|f| (FileKind::LinkPage, f))
            .collect();
        if !missing.is_empty() {
            return Err(need(missing));
        }
        let mut out = Vec::new();
        for &p in &pages {
            let Some(Block::Link(page)) = self.cache.get(&link.pages[p].file.hash) else {
                continue;
            };
            let page_keys = page.keys();
            for k in keys {
                if let Ok(i) = page_keys.binary_search(k) {
                    out.extend(page.targets.get(i));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Looks up every link test of `q` (`detid IN {…}` becomes `srcid IN {…}`).
    pub fn resolve_links(&self, q: &mut Query) -> Result<(), Step> {
        let mut found = HashMap::new();
        for (key, keys) in q.links_to_resolve() {
            let targets = self.link_targets(&key, &keys)?;
            found.insert((key, keys), targets);
        }
        q.resolve_links(&mut |key, keys| {
            found
                .get(&(key.to_string(), keys.to_vec()))
                .cloned()
                .unwrap_or_default()
        });
        Ok(())
    }

    /// Chooses the candidate rows of a resolved query (see the module documentation).
    pub fn plan(&self, q: &Query) -> Result<Plan, Step> {
        let m = &self.manifest;
        let mut ranges = vec![(0u32, m.rows)];
        let mut tiles_used = None;
        for cone in q.cones() {
            let tiles = self.tile_cells.cone(cone.ra, cone.dec, cone.radius_deg);
            let r: Vec<(u32, u32)> = tiles
                .iter()
                .map(|&t| (m.tiles[t].start, m.tiles[t].start + m.tiles[t].rows))
                .collect();
            ranges = intersect(&ranges, &merge(r));
            let mut all: Vec<usize> = tiles_used.take().unwrap_or_default();
            all.extend(tiles);
            all.sort_unstable();
            all.dedup();
            tiles_used = Some(all);
        }
        let mut index = None;
        for term in conjuncts(q.expr()) {
            let (column, keys) = match term {
                Expr::InSet { column, set } => (column, set.clone()),
                Expr::Compare {
                    column,
                    op: CmpOp::Eq,
                    rhs: Operand::Scalar(s),
                } => (column, vec![s.clone()]),
                _ => continue,
            };
            if let Some(rows) = self.index_rows(&column.name, &keys) {
                let rows = rows?;
                ranges = intersect(&ranges, &ranges_of(&rows));
                index = Some((column.name.clone(), keys.len()));
                break;
            }
        }
        let seg = m.segment_rows;
        let mut kept = Vec::new();
        let mut skipped = 0;
        let positions: HashMap<String, usize> = q
            .columns()
            .into_iter()
            .filter_map(|c| m.schema.position(&c).map(|p| (c.to_ascii_lowercase(), p)))
            .collect();
        for k in 0..m.rows.div_ceil(seg) {
            let (a, b) = (k * seg, ((k + 1) * seg).min(m.rows));
            if intersect(&ranges, &[(a, b)]).is_empty() {
                continue;
            }
            let zone = |name: &str| {
                let p = positions.get(&name.to_ascii_lowercase())?;
                m.segments.get(*p)?.get(k as usize).map(|s| s.zone.clone())
            };
            if zone::may_match(q.expr(), b - a, &zone) {
                kept.push((a, b));
            } else {
                skipped += 1;
            }
        }
        let segments_kept = kept.len();
        ranges = intersect(&ranges, &kept);
        Ok(Plan {
            ranges,
            tiles: tiles_used,
            index,
            segments_kept,
            segments_skipped: skipped,
        })
    }

    /// Decides where each column comes from and lists the files; `Err` = missing files.
    fn sources(
        &self,
        names: &[String],
        ranges: &[(u32, u32)],
    ) -> (Vec<Source>, Vec<(FileKind, FileRef)>) {
        let m = &self.manifest;
        let tiles = overlapping(ranges, m.tiles.iter().map(|t| (t.start, t.start + t.rows)));
        let seg = m.segment_rows;
        let seg_ranges = (0..m.rows.div_ceil(seg)).map(|k| (k * seg, ((k + 1) * seg).min(m.rows)));
        let segs = overlapping(ranges, seg_ranges);
        let cost = |f: &FileRef| if self.has(f) { 0 } else { u64::from(f.stored) };
        let in_tiles: Vec<&String> = names
            .iter()
            .filter(|n| m.tile_columns.iter().any(|t| t.eq_ignore_ascii_case(n)))
            .collect();
        let tile_cost: u64 = tiles.iter().map(|&t| cost(&m.tiles[t].file)).sum();
        let seg_cost: u64 = in_tiles
            .iter()
            .filter_map(|n| m.schema.position(n))
            .map(|p| {
                segs.iter()
                    .map(|&k| cost(&m.segments[p][k].file))
                    .sum::<u64>()
            })
            .sum();
        let use_tiles = !in_tiles.is_empty() && tile_cost <= seg_cost;
        let mut files = Vec::new();
        let mut out = Vec::new();
        if use_tiles {
            files.extend(tiles.iter().map(|&t| (FileKind::Tile, m.tiles[t].file)));
        }
        for n in names {
            let pos = m.schema.position(n);
            match m
                .tile_columns
                .iter()
                .position(|t| t.eq_ignore_ascii_case(n))
            {
                Some(i) if use_tiles => out.push(Source::Tile(i)),
                _ => {
                    if let Some(p) = pos {
                        files.extend(
                            segs.iter()
                                .map(|&k| (FileKind::Segment, m.segments[p][k].file)),
                        );
                        out.push(Source::Segment(p));
                    } else {
                        out.push(Source::Missing);
                    }
                }
            }
        }
        files.sort_by_key(|f| f.1.hash);
        files.dedup_by_key(|f| f.1.hash);
        (out, files)
    }

    /// Assembles `names` for the rows in `ranges` (ascending).
    pub fn gather(&self, names: &[String], ranges: &[(u32, u32)]) -> Result<Table, Step> {
        let (sources, files) = self.sources(names, ranges);
        let missing: Vec<_> = files.into_iter().filter(|f| !self.has(&f.1)).collect();
        if !missing.is_empty() {
            return Err(need(missing));
        }
        let m = &self.manifest;
        let n = count(ranges);
        let mut table = Table::with_rows(n);
        for (name, src) in names.iter().zip(sources) {
            let field = m
                .schema
                .get(name)
                .cloned()
                .ok_or_else(|| EngineError::Request(format!("unknown column {name}")))?;
            let mut g = Gather::new(field.dtype, n);
            match src {
                Source::Missing => {
                    return Err(EngineError::Request(format!("unknown column {name}")).into());
                }
                Source::Tile(i) => {
                    let blocks = m.tiles.iter().map(|t| (t.start, t.start + t.rows, t.file));
                    self.fill(&mut g, ranges, blocks, &field, |b| match b {
                        Block::Tile(t) => t.columns.get(i),
                        _ => None,
                    })?;
                }
                Source::Segment(p) => {
                    let seg = m.segment_rows;
                    let blocks = m.segments[p].iter().enumerate().map(|(k, s)| {
                        let a = k as u32 * seg;
                        (a, (a + seg).min(m.rows), s.file)
                    });
                    self.fill(&mut g, ranges, blocks, &field, |b| match b {
                        Block::Segment(c) => Some(c),
                        _ => None,
                    })?;
                }
            }
            table
                .push(field, g.finish())
                .map_err(|e| EngineError::Request(e.to_string()))?;
        }
        Ok(table)
    }

    fn fill<'a>(
        &'a self,
        g: &mut Gather,
        ranges: &[(u32, u32)],
        blocks: impl Iterator<Item = (u32, u32, FileRef)>,
        field: &Field,
        column: impl Fn(&'a Block) -> Option<&'a Column>,
    ) -> Result<(), Step> {
        let blocks: Vec<(u32, u32, FileRef)> = blocks.collect();
        for &(a, b) in ranges {
            let mut k = blocks.partition_point(|x| x.1 <= a);
            while k < blocks.len() && blocks[k].0 < b {
                let (s, e, f) = blocks[k];
                let block = self.cache.get(&f.hash).ok_or_else(|| need(vec![]))?;
                let col = column(block).ok_or_else(|| {
                    Step::from(body(
                        FileKind::Segment,
                        &f.path(),
                        "unexpected file kind".into(),
                    ))
                })?;
                if col.dtype() != field.dtype || col.len() != (e - s) as usize {
                    return Err(body(
                        FileKind::Segment,
                        &f.path(),
                        format!(
                            "column {} has {} rows of {}, expected {} of {}",
                            field.name,
                            col.len(),
                            col.dtype(),
                            e - s,
                            field.dtype
                        ),
                    )
                    .into());
                }
                let (from, to) = (a.max(s) - s, b.min(e) - s);
                g.extend(col, from as usize, to as usize);
                k += 1;
            }
        }
        Ok(())
    }

    /// Matching rows (tile order, ascending) of a resolved query.
    pub fn matches(&self, q: &Query, plan: &Plan) -> Result<Vec<u32>, Step> {
        self.matches_in(q, &plan.ranges)
    }

    /// Matching rows (ascending) among the rows of `ranges` (sorted, disjoint).
    fn matches_in(&self, q: &Query, ranges: &[(u32, u32)]) -> Result<Vec<u32>, Step> {
        let names: Vec<String> = q.columns().into_iter().collect();
        let table = self.gather(&names, ranges)?;
        let local = q.matching_rows(&table)?;
        let ids = expand(ranges);
        Ok(local
            .into_iter()
            .filter_map(|i| ids.get(i).copied())
            .collect())
    }

    /// Orders matching rows by `column`; nulls last.
    pub fn sort(&self, rows: &[u32], column: &str, desc: bool) -> Result<Vec<u32>, Step> {
        self.sort_by(rows, &[(column.to_string(), desc)])
    }

    /// Orders matching rows by `keys` (column, largest first), the first key first; nulls
    /// last in each; rows equal in every key keep their tile order.
    pub fn sort_by(&self, rows: &[u32], keys: &[(String, bool)]) -> Result<Vec<u32>, Step> {
        let names = keys
            .iter()
            .map(|(column, _)| {
                self.manifest
                    .schema
                    .get(column)
                    .map(|f| f.name.clone())
                    .ok_or_else(|| {
                        EngineError::Request(unknown_column(&self.manifest.schema, column)).into()
                    })
            })
            .collect::<Result<Vec<String>, Step>>()?;
        let mut asc = rows.to_vec();
        asc.sort_unstable();
        asc.dedup();
        let ranges = ranges_of(&asc);
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        let table = self.gather(&unique, &ranges)?;
        let mut local: Vec<usize> = (0..asc.len()).collect();
        // Stable sorts, the last key first.
        for (name, (_, desc)) in names.iter().zip(keys).rev() {
            let order = if *desc {
                Order::Descending
            } else {
                Order::Ascending
            };
            sort_rows(&table, &mut local, name, order)?;
        }
        Ok(local.into_iter().map(|i| asc[i]).collect())
    }

    /// Orders matching rows by a computed value; nulls (and non-finite values) last, equal
    /// values in tile order.
    pub fn sort_by_value(
        &self,
        rows: &[u32],
        value: &crate::query::Num,
        desc: bool,
    ) -> Result<Vec<u32>, Step> {
        let mut asc = rows.to_vec();
        asc.sort_unstable();
        asc.dedup();
        let mut names = Vec::new();
        value.for_each_column(&mut |c| names.push(c.to_string()));
        names.sort();
        names.dedup();
        let table = self.gather(&names, &ranges_of(&asc))?;
        let v = crate::query::eval::numbers(&table, value)
            .map_err(|e| EngineError::Request(e.to_string()))?;
        let mut local: Vec<usize> = (0..asc.len()).collect();
        local.sort_by(|&a, &b| match (v[a].is_nan(), v[b].is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ if desc => v[b].total_cmp(&v[a]),
            _ => v[a].total_cmp(&v[b]),
        });
        Ok(local.into_iter().map(|i| asc[i]).collect())
    }

    /// Output columns named by a request: default, all (`*`) or a list (validated).
    pub fn output_columns(&self, wanted: &[String]) -> Result<Vec<String>, EngineError> {
        let m = &self.manifest;
        if wanted.is_empty() {
            return Ok(m.default_columns.clone());
        }
        if wanted.len() == 1 && wanted[0] == "*" {
            return Ok(m.schema.fields().iter().map(|f| f.name.clone()).collect());
        }
        wanted
            .iter()
            .map(|w| {
                m.schema
                    .get(w)
                    .map(|f| f.name.clone())
                    .ok_or_else(|| EngineError::Request(unknown_column(&m.schema, w)))
            })
            .collect()
    }

    /// The output columns of `rows` (any order), in that order.
    pub fn rows(&self, rows: &[u32], columns: &[String]) -> Result<Table, Step> {
        let mut asc = rows.to_vec();
        asc.sort_unstable();
        asc.dedup();
        let table = self.gather(columns, &ranges_of(&asc))?;
        let pos: Vec<usize> = rows
            .iter()
            .filter_map(|r| asc.binary_search(r).ok())
            .collect();
        Ok(table.take(&pos))
    }

    /// Position of the catalogue row whose indexed `IAUNAME` is `name` (any case).
    pub fn designation_position(&self, name: &str) -> Result<Option<(f64, f64)>, Step> {
        let cols = [
            self.manifest.ra_column.clone(),
            self.manifest.dec_column.clone(),
        ];
        let key = Scalar::Str(name.trim().to_string());
        Ok(self
            .lookup("IAUNAME", &key, &cols)?
            .and_then(|t| Some((t.column_at(0).f64(0)?, t.column_at(1).f64(0)?))))
    }

    /// The `columns` of the first source whose indexed column `key_column` (`SRCID`,
    /// `IAUNAME`) equals `key`, as a one-row table; `None` when the column has no index, no
    /// source has the key, or a column does not exist.
    pub fn lookup(
        &self,
        key_column: &str,
        key: &Scalar,
        columns: &[String],
    ) -> Result<Option<Table>, Step> {
        let Some(column) = self.index(key_column).map(|i| i.column.clone()) else {
            return Ok(None);
        };
        if columns
            .iter()
            .any(|c| self.manifest.schema.get(c).is_none())
        {
            return Ok(None);
        }
        let rows = match self.index_rows(&column, std::slice::from_ref(key)) {
            Some(r) => r?,
            None => return Ok(None),
        };
        let Some(&row) = rows.first() else {
            return Ok(None);
        };
        self.gather(columns, &[(row, row + 1)]).map(Some)
    }

    /// The plan of a resolved query and the files its evaluation reads.
    pub fn explain(&self, q: &Query) -> Result<Explain, Step> {
        let mut linked = q.clone();
        self.resolve_links(&mut linked)?;
        let q = &linked;
        let plan = self.plan(q)?;
        let columns: Vec<String> = q.columns().into_iter().collect();
        let (_, files) = self.sources(&columns, &plan.ranges);
        let m = &self.manifest;
        let mut notes = Vec::new();
        match &plan.tiles {
            Some(t) => notes.push(format!(
                "cone: {} of {} tiles overlap (HEALPix NESTED coverage), rows filtered by true angular distance",
                t.len(),
                m.tiles.len()
            )),
            None => notes.push("no top-level cone: every tile is a candidate".into()),
        }
        if let Some((c, n)) = &plan.index {
            notes.push(format!("index on {c}: {n} keys looked up"));
        }
        notes.push(format!(
            "zone maps: {} row blocks kept, {} skipped",
            plan.segments_kept, plan.segments_skipped
        ));
        let kinds = |k: FileKind| files.iter().filter(|f| f.0 == k).count();
        notes.push(format!(
            "reads {} tile chunks and {} column segments for columns {}",
            kinds(FileKind::Tile),
            kinds(FileKind::Segment),
            columns.join(", ")
        ));
        Ok(Explain {
            candidate_rows: count(&plan.ranges),
            tile_cells: plan
                .tiles
                .iter()
                .flatten()
                .take(50)
                .map(|&t| (m.tiles[t].order, m.tiles[t].ipix))
                .collect(),
            files: files.len(),
            bytes: files.iter().map(|f| u64::from(f.1.stored)).sum(),
            plan,
            columns,
            notes,
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Source {
    Tile(usize),
    Segment(usize),
    Missing,
}

fn body(kind: FileKind, path: &str, detail: String) -> ChunkError {
    ChunkError::Body {
        what: kind.name(),
        file: path.into(),
        detail,
    }
}

fn unknown_column(schema: &Schema, name: &str) -> String {
    let s = schema.suggest(name, 3);
    if s.is_empty() {
        format!("unknown column '{name}'")
    } else {
        format!("unknown column '{name}'; did you mean {}?", s.join(", "))
    }
}

/// The top-level conjuncts of a condition.
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::And(v) => v.iter().flat_map(conjuncts).collect(),
        other => vec![other],
    }
}

/// Sorts and merges ranges.
fn merge(mut r: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    r.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for (a, b) in r {
        match out.last_mut() {
            Some(l) if a <= l.1 => l.1 = l.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Indices of the blocks (sorted, disjoint `(start, end)`) overlapping the ranges.
fn overlapping(ranges: &[(u32, u32)], blocks: impl Iterator<Item = (u32, u32)>) -> Vec<usize> {
    let blocks: Vec<(u32, u32)> = blocks.collect();
    let mut out = Vec::new();
    for &(a, b) in ranges {
        let mut k = blocks.partition_point(|x| x.1 <= a);
        while k < blocks.len() && blocks[k].0 < b {
            out.push(k);
            k += 1;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The next at most `size` rows of `ranges` (sorted, disjoint) from row `cursor` on, and the
/// row after them (the next cursor).
pub(super) fn batch(ranges: &[(u32, u32)], cursor: u32, size: u32) -> (Vec<(u32, u32)>, u32) {
    let mut out = Vec::new();
    let mut left = size;
    for &(a, b) in &ranges[ranges.partition_point(|r| r.1 <= cursor)..] {
        let a = a.max(cursor);
        if left == 0 {
            return (out, a);
        }
        let e = b.min(a.saturating_add(left));
        out.push((a, e));
        left -= e - a;
        if e < b {
            return (out, e);
        }
    }
    (out, u32::MAX)
}

/// Row ids of ranges, in order.
fn expand(ranges: &[(u32, u32)]) -> Vec<u32> {
    ranges.iter().flat_map(|&(a, b)| a..b).collect()
}

/// A query run in phases (plan, evaluate, sort, fetch the page), resumable after each
/// [`Step::Need`].
#[derive(Debug, Clone)]
pub struct Execution {
    query: Query,
    options: RunOptions,
    columns: Vec<String>,
    plan: Option<Plan>,
    matches: Option<Vec<u32>>,
    /// Matches found so far and the first row not yet evaluated, when evaluating in batches.
    partial: (Vec<u32>, u32),
    sorted: Option<Vec<u32>>,
}

impl Execution {
    /// A run of a parsed and resolved query.
    pub fn new(
        engine: &Engine,
        query: Query,
        options: RunOptions,
    ) -> Result<Execution, EngineError> {
        let columns = engine.output_columns(&options.columns)?;
        for s in options
            .sort
            .iter()
            .chain(options.then.iter().map(|(c, _)| c))
        {
            if engine.schema().get(s).is_none() {
                return Err(EngineError::Request(unknown_column(engine.schema(), s)));
            }
        }
        Ok(Execution {
            query,
            options,
            columns,
            plan: None,
            matches: None,
            partial: (Vec::new(), 0),
            sorted: None,
        })
    }

    /// Advances as far as the cached files allow.
    pub fn step(&mut self, engine: &Engine) -> Result<QueryResult, Step> {
        if !self.query.links_resolved() {
            engine.resolve_links(&mut self.query)?;
        }
        if self.plan.is_none() {
            self.plan = Some(engine.plan(&self.query)?);
        }
        if self.matches.is_none() {
            let plan = self.plan.as_ref().expect("set above");
            self.matches = Some(match self.options.matches_needed() {
                None => engine.matches(&self.query, plan)?,
                Some(needed) => {
                    // Batch by batch, keeping what is found when a batch needs files.
                    while self.partial.0.len() < needed && self.partial.1 != u32::MAX {
                        let (rows, next) = batch(&plan.ranges, self.partial.1, BATCH_ROWS);
                        if rows.is_empty() {
                            break;
                        }
                        let found = engine.matches_in(&self.query, &rows)?;
                        self.partial.0.extend(found);
                        self.partial.1 = next;
                    }
                    std::mem::take(&mut self.partial.0)
                }
            });
        }
        let matches = self.matches.as_ref().expect("set above");
        if self.sorted.is_none() {
            self.sorted = Some(match &self.options.sort {
                _ if self.options.sort_value.is_some() => {
                    let num = self.options.sort_value.as_ref().expect("matched");
                    engine.sort_by_value(matches, num, self.options.desc)?
                }
                Some(col) => {
                    let mut keys = vec![(col.clone(), self.options.desc)];
                    keys.extend(self.options.then.iter().cloned());
                    engine.sort_by(matches, &keys)?
                }
                None if self.options.desc => matches.iter().rev().copied().collect(),
                None => matches.clone(),
            });
        }
        let mut sorted = &self.sorted.as_ref().expect("set above")[..];
        if let Some((skip, take)) = self.options.window {
            let skip = skip.min(sorted.len());
            sorted = &sorted[skip..skip.saturating_add(take).min(sorted.len())];
        }
        let start = self.options.offset.min(sorted.len());
        let end = start.saturating_add(self.options.limit).min(sorted.len());
        let ids = sorted[start..end].to_vec();
        let page = engine.rows(&ids, &self.columns)?;
        Ok(QueryResult {
            count: sorted.len(),
            page,
            row_ids: ids,
        })
    }

    /// The plan, once made.
    pub fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }
}
