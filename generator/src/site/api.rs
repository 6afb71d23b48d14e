//! The site as data: `source.json` and `source.vot` beside every source page,
//! `observation.json` and `observation.vot` beside every observation page, JSON Schemas of
//! those files and the catalogue-level index `api/index.json` (releases, tables with units,
//! UCDs and descriptions, where the query engine's data is, licence and citation).
//!
//! Links inside the files are paths relative to the site's root (`source/123/`), so the same
//! bytes serve every mirror. The JSON is compact and the VOTable 1.4 TABLEDATA (see
//! [`crate::vo::votable`]); both repeat their column names in every file, which gzip (and a
//! CDN's compression) removes almost entirely.

use super::stats::TableDoc;
use crate::catalog::Catalogue;
use crate::vo::votable::{Cell, FieldSpec, Fields, Writer, push_json, push_json_str};
use serde_json::{Value as Json, json};
use xcat_core::Table;

/// Media type of the JSON files.
pub const JSON_TYPE: &str = "application/json";

/// A neighbour of a source: SRCID, IAU name, separation (arcsec).
pub type Neighbour<'a> = (i64, &'a str, f64);

/// The counterpart of a source in another release of the site.
#[derive(Debug, Clone, Copy)]
pub struct Counterpart<'a> {
    /// Release identifier.
    pub release: &'a str,
    /// Its SRCID there.
    pub srcid: i64,
    /// Its IAU name there.
    pub iauname: &'a str,
    /// Separation, arcsec.
    pub sep_arcsec: f64,
    /// Sources of the other release that matched (more than one: ambiguous).
    pub candidates: u32,
}

/// One table of a data file: its columns (indices into the catalogue table), their
/// `FIELD`s and JSON keys.
#[derive(Debug, Clone)]
struct Part {
    cols: Vec<usize>,
    specs: Vec<FieldSpec>,
    fields: Fields,
    /// `"NAME":` per column, escaped.
    keys: Vec<String>,
}

impl Part {
    fn new(t: &Table, cols: Vec<usize>) -> Self {
        let specs = FieldSpec::of_table(t, &cols);
        Part::from_specs(cols, specs)
    }

    fn from_specs(cols: Vec<usize>, specs: Vec<FieldSpec>) -> Self {
        let keys = specs
            .iter()
            .map(|f| {
                let mut k = String::new();
                push_json_str(&mut k, &f.name);
                k.push(':');
                k
            })
            .collect();
        Part {
            cols,
            fields: Fields::terse(&specs),
            specs,
            keys,
        }
    }

    /// Row `r` of `t` as a JSON object.
    fn json_row(&self, out: &mut String, t: &Table, r: usize) {
        out.push('{');
        for (k, (&c, key)) in self.cols.iter().zip(&self.keys).enumerate() {
            if k > 0 {
                out.push(',');
            }
            out.push_str(key);
            push_json(out, Cell::of(t.column_at(c), r));
        }
        out.push('}');
    }

    /// Rows `rows` of `t` as `{"columns": [names], "data": [[cells]…]}` (the layout of TAP's
    /// JSON answers): the names once, not once per row.
    fn json_table(&self, out: &mut String, t: &Table, rows: &[usize]) {
        out.push_str("{\"columns\":[");
        for (k, f) in self.specs.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            push_json_str(out, &f.name);
        }
        out.push_str("],\"data\":[");
        for (n, &r) in rows.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push('[');
            for (k, &c) in self.cols.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                push_json(out, Cell::of(t.column_at(c), r));
            }
            out.push(']');
        }
        out.push_str("]}");
    }

    /// Cells as a JSON object.
    fn json_cells<'c>(&self, out: &mut String, cells: impl IntoIterator<Item = Cell<'c>>) {
        out.push('{');
        for (k, (key, c)) in self.keys.iter().zip(cells).enumerate() {
            if k > 0 {
                out.push(',');
            }
            out.push_str(key);
            push_json(out, c);
        }
        out.push('}');
    }
}

/// The data files of one catalogue (release): what every file shares, prepared once.
#[derive(Debug, Clone)]
pub struct DataFiles {
    sources: Part,
    detections: Part,
    observations: Part,
    neighbours: Part,
    counterparts: Part,
    /// (identifier, title) of the release on a site with several.
    release: Option<(String, String)>,
    /// The catalogue's title, for descriptions.
    title: String,
}

fn id_field(name: &str, datatype: &'static str, description: &str) -> FieldSpec {
    FieldSpec::new(name, datatype)
        .ucd("meta.id")
        .describe(description)
}

impl DataFiles {
    /// The files of `cat`, whose detections are exported with columns `detection_cols`.
    pub fn new(cat: &Catalogue, title: &str, detection_cols: Vec<usize>) -> Self {
        let all = |t: &Table| (0..t.schema().len()).collect::<Vec<_>>();
        let sep = FieldSpec::new("SEP", "double")
            .unit("arcsec")
            .ucd("pos.angDistance")
            .describe("Angular distance from the source");
        DataFiles {
            sources: Part::new(&cat.sources, all(&cat.sources)),
            detections: Part::new(&cat.detections, detection_cols),
            observations: Part::new(&cat.observations, all(&cat.observations)),
            neighbours: Part::from_specs(
                Vec::new(),
                vec![
                    id_field("SRCID", "long", "Source identifier of the neighbour"),
                    id_field("IAUNAME", "char", "IAU name of the neighbour"),
                    sep.clone(),
                ],
            ),
            counterparts: Part::from_specs(
                Vec::new(),
                vec![
                    id_field("RELEASE", "char", "Catalogue release of the counterpart"),
                    id_field("SRCID", "long", "Source identifier in that release"),
                    id_field("IAUNAME", "char", "IAU name in that release"),
                    sep.describe("Angular distance between the two positions"),
                    FieldSpec::new("CANDIDATES", "int")
                        .ucd("meta.number")
                        .describe("Sources of that release within the match radius (more than one: the match is ambiguous)"),
                ],
            ),
            release: None,
            title: title.to_string(),
        }
    }

    /// The same files for release `id` (titled `title`) of a site with several.
    pub fn for_release(mut self, id: &str, title: &str) -> Self {
        self.release = Some((id.to_string(), title.to_string()));
        self.title = title.to_string();
        self
    }

    /// Folder of this catalogue's JSON Schemas, relative to the site root.
    fn api_dir(&self) -> String {
        match &self.release {
            Some((id, _)) => format!("api/{id}/"),
            None => "api/".into(),
        }
    }

    /// The opening members every file shares: release and schema.
    fn head(&self, out: &mut String, schema: &str) {
        out.push('{');
        if let Some((id, title)) = &self.release {
            out.push_str("\"release\":{\"id\":");
            push_json_str(out, id);
            out.push_str(",\"title\":");
            push_json_str(out, title);
            out.push_str("},");
        }
        out.push_str("\"schema\":");
        push_json_str(out, &format!("{}{schema}", self.api_dir()));
    }

    /// The column reference's section on `table` (`sources`, …), from a page two folders
    /// deep.
    fn doc(&self, table: &str) -> String {
        let anchor = match &self.release {
            Some((_, title)) => format!("{}-{table}", title.to_ascii_lowercase().replace(' ', "-")),
            None => table.to_string(),
        };
        format!("../../docs/columns/#{anchor}")
    }

    fn infos(&self) -> Vec<(&str, &str)> {
        match &self.release {
            Some((id, _)) => vec![("release", id.as_str())],
            None => Vec::new(),
        }
    }

    /// `source.json` and `source.vot` of source row `i` of `cat`, with its detections
    /// `detections` (rows of `cat.detections`, in the order to list them), neighbours and
    /// counterparts.
    pub fn source(
        &self,
        cat: &Catalogue,
        i: usize,
        detections: &[usize],
        neighbours: &[Neighbour],
        counterparts: &[Counterpart],
    ) -> (Vec<u8>, Vec<u8>) {
        let t = &cat.sources;
        let srcid = t.column("SRCID").and_then(|c| c.i64(i)).unwrap_or(0);
        let name = t.column("IAUNAME").and_then(|c| c.str(i)).unwrap_or("");
        let d = &cat.detections;

        let mut j = String::with_capacity(4096);
        self.head(&mut j, "source.schema.json");
        j.push_str(&format!(",\"srcid\":{srcid},\"iauname\":"));
        push_json_str(&mut j, name);
        j.push_str(&format!(",\"page\":\"source/{srcid}/\",\"source\":"));
        self.sources.json_row(&mut j, t, i);
        j.push_str(",\"detections\":");
        self.detections.json_table(&mut j, d, detections);
        j.push_str(",\"neighbours\":[");
        for (k, (id, n, sep)) in neighbours.iter().enumerate() {
            if k > 0 {
                j.push(',');
            }
            self.neighbours.json_cells(
                &mut j,
                [Cell::Int(*id), Cell::Str(n), Cell::F64(round(*sep, 3))],
            );
        }
        j.push(']');
        if self.release.is_some() {
            j.push_str(",\"counterparts\":[");
            for (k, c) in counterparts.iter().enumerate() {
                if k > 0 {
                    j.push(',');
                }
                self.counterparts.json_cells(&mut j, counterpart_cells(c));
            }
            j.push(']');
        }
        j.push_str("}\n");

        let mut infos = self.infos();
        let id = srcid.to_string();
        infos.push(("srcid", &id));
        let mut w = Writer::new(
            &format!(
                "{} source {name} (SRCID {srcid}): the source, its detections, neighbours and counterparts",
                self.title
            ),
            &infos,
        );
        w.table_with_link(
            "source",
            "All columns of the source",
            &self.sources.fields,
            Some(&self.doc("sources")),
        );
        w.table_row(t, &self.sources.cols, i);
        w.table_with_link(
            "detections",
            "Its detections",
            &self.detections.fields,
            Some(&self.doc("detections")),
        );
        for &r in detections {
            w.table_row(d, &self.detections.cols, r);
        }
        w.table(
            "neighbours",
            "Other sources of the catalogue nearby, nearest first",
            &self.neighbours.fields,
        );
        for (id, n, sep) in neighbours {
            w.row([Cell::Int(*id), Cell::Str(n), Cell::F64(round(*sep, 3))]);
        }
        if self.release.is_some() {
            w.table(
                "counterparts",
                "The source in the site's other catalogue releases",
                &self.counterparts.fields,
            );
            for c in counterparts {
                w.row(counterpart_cells(c));
            }
        }
        (j.into_bytes(), w.finish().into_bytes())
    }

    /// `observation.json` and `observation.vot` of observation row `i` of `cat`, with its
    /// detections `detections` (rows of `cat.detections`, in the order to list them).
    pub fn observation(
        &self,
        cat: &Catalogue,
        i: usize,
        detections: &[usize],
    ) -> (Vec<u8>, Vec<u8>) {
        let o = &cat.observations;
        let d = &cat.detections;
        let obs_id = o.column("OBS_ID").and_then(|c| c.str(i)).unwrap_or("");
        let mut j = String::with_capacity(4096);
        self.head(&mut j, "observation.schema.json");
        j.push_str(",\"obs_id\":");
        push_json_str(&mut j, obs_id);
        j.push_str(",\"page\":");
        push_json_str(&mut j, &format!("observation/{obs_id}/"));
        j.push_str(",\"observation\":");
        self.observations.json_row(&mut j, o, i);
        j.push_str(",\"detections\":");
        self.detections.json_table(&mut j, d, detections);
        j.push_str("}\n");

        let mut infos = self.infos();
        infos.push(("obs_id", obs_id));
        let mut w = Writer::new(
            &format!(
                "{} observation {obs_id}: the observation and its detections",
                self.title
            ),
            &infos,
        );
        w.table_with_link(
            "observation",
            "All columns of the observation",
            &self.observations.fields,
            Some(&self.doc("observations")),
        );
        w.table_row(o, &self.observations.cols, i);
        w.table_with_link(
            "detections",
            "The catalogue's detections in this observation",
            &self.detections.fields,
            Some(&self.doc("detections")),
        );
        for &r in detections {
            w.table_row(d, &self.detections.cols, r);
        }
        (j.into_bytes(), w.finish().into_bytes())
    }

    /// The JSON Schemas of the source and observation files: (path, bytes).
    pub fn schemas(&self) -> Vec<(String, Vec<u8>)> {
        let release = self
            .release
            .as_ref()
            .map(|(id, title)| (id.as_str(), title.as_str()));
        let dir = self.api_dir();
        let common = |title: &str| {
            let mut props = serde_json::Map::new();
            if release.is_some() {
                props.insert(
                    "release".into(),
                    json!({"type": "object", "description": "The catalogue release",
                        "properties": {"id": {"type": "string"}, "title": {"type": "string"}},
                        "required": ["id", "title"]}),
                );
            }
            props.insert(
                "schema".into(),
                json!({"type": "string", "description": "This schema, relative to the site's root"}),
            );
            props.insert(
                "page".into(),
                json!({"type": "string", "description": format!("The {title}'s page, relative to the site's root")}),
            );
            props
        };
        let mut source = common("source");
        source.insert(
            "srcid".into(),
            json!({"type": "integer", "description": "Source identifier (SRCID)"}),
        );
        source.insert(
            "iauname".into(),
            json!({"type": "string", "description": "IAU name"}),
        );
        source.insert(
            "source".into(),
            object_schema(&self.sources.specs, "All columns of the source"),
        );
        source.insert(
            "detections".into(),
            table_schema(&self.detections.specs, "Its detections (of a stacked catalogue: measurements, DETECTED false for an upper limit), earliest first"),
        );
        source.insert(
            "neighbours".into(),
            json!({"type": "array", "description": "Other sources nearby, nearest first",
                "items": object_schema(&self.neighbours.specs, "A neighbour")}),
        );
        let mut required = vec![
            "schema",
            "srcid",
            "iauname",
            "page",
            "source",
            "detections",
            "neighbours",
        ];
        if release.is_some() {
            source.insert(
                "counterparts".into(),
                json!({"type": "array", "description": "The source in the site's other releases",
                    "items": object_schema(&self.counterparts.specs, "A counterpart")}),
            );
            required.extend(["release", "counterparts"]);
        }
        let mut observation = common("observation");
        observation.insert(
            "obs_id".into(),
            json!({"type": "string", "description": "Observation identifier (OBS_ID)"}),
        );
        observation.insert(
            "observation".into(),
            object_schema(&self.observations.specs, "All columns of the observation"),
        );
        observation.insert(
            "detections".into(),
            table_schema(&self.detections.specs, "The catalogue's detections in the observation (of a stacked catalogue: measurements, DETECTED false for an upper limit)"),
        );
        let mut obs_required = vec!["schema", "obs_id", "page", "observation", "detections"];
        if release.is_some() {
            obs_required.push("release");
        }
        let doc = |name: &str,
                   what: &str,
                   props: serde_json::Map<String, Json>,
                   required: Vec<&str>| {
            let v = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": format!("{dir}{name}.schema.json"),
                "title": format!("{} {what}", self.title),
                "description": format!("The {name}.json file beside each {what} page of the site. Units and UCDs of the columns are in the x-unit and x-ucd annotations."),
                "type": "object",
                "properties": props,
                "required": required,
            });
            let mut b = serde_json::to_vec_pretty(&v).expect("JSON");
            b.push(b'\n');
            (format!("{dir}{name}.schema.json"), b)
        };
        vec![
            doc("source", "source", source, required),
            doc("observation", "observation", observation, obs_required),
        ]
    }
}

fn counterpart_cells<'c>(c: &Counterpart<'c>) -> [Cell<'c>; 5] {
    [
        Cell::Str(c.release),
        Cell::Int(c.srcid),
        Cell::Str(c.iauname),
        Cell::F64(round(c.sep_arcsec, 3)),
        Cell::Int(i64::from(c.candidates)),
    ]
}

/// `x` rounded to `decimals` decimals (separations to the milliarcsecond).
fn round(x: f64, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    (x * k).round() / k
}

/// The JSON type of a VOTable datatype.
fn json_type(datatype: &str) -> &'static str {
    match datatype {
        "boolean" => "boolean",
        "unsignedByte" | "short" | "int" | "long" => "integer",
        "float" | "double" => "number",
        _ => "string",
    }
}

/// The JSON Schema of one nullable value of column `f`, its unit and UCD as annotations.
fn value_schema(f: &FieldSpec) -> Json {
    let mut p = serde_json::Map::new();
    p.insert("title".into(), json!(f.name));
    p.insert("type".into(), json!([json_type(f.datatype), "null"]));
    if !f.description.is_empty() {
        p.insert("description".into(), json!(f.description));
    }
    if !f.unit.is_empty() {
        p.insert("x-unit".into(), json!(f.unit));
    }
    if !f.ucd.is_empty() {
        p.insert("x-ucd".into(), json!(f.ucd));
    }
    Json::Object(p)
}

/// A JSON Schema of an object with a member per field.
fn object_schema(fields: &[FieldSpec], description: &str) -> Json {
    let props: serde_json::Map<String, Json> = fields
        .iter()
        .map(|f| (f.name.clone(), value_schema(f)))
        .collect();
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    json!({"type": "object", "description": description, "properties": props, "required": names, "additionalProperties": false})
}

/// A JSON Schema of a table written by `Part::json_table`: the column names in order, then
/// rows whose cells follow them.
fn table_schema(fields: &[FieldSpec], description: &str) -> Json {
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let cells: Vec<Json> = fields.iter().map(value_schema).collect();
    json!({
        "type": "object",
        "description": description,
        "properties": {
            "columns": {"const": names, "description": "The names of the columns, in the order of each row's cells"},
            "data": {"type": "array", "description": "The rows", "items": {
                "type": "array", "prefixItems": cells, "minItems": fields.len(), "maxItems": fields.len()}},
        },
        "required": ["columns", "data"],
        "additionalProperties": false,
    })
}

/// One catalogue of the site as the index lists it.
#[derive(Debug, Clone)]
pub struct IndexEntry<'a> {
    /// Identifier (empty on a site with one catalogue).
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Whether it is the current release.
    pub current: bool,
    /// Its query engine's manifest, relative to the root.
    pub manifest: &'a str,
    /// Its tables.
    pub schema: &'a [TableDoc],
}

/// `api/index.json`: the site's catalogues, their tables and where their data is.
pub fn index(config: &crate::config::Config, entries: &[IndexEntry]) -> Vec<u8> {
    let releases: Vec<Json> = entries
        .iter()
        .map(|e| {
            let dir = if e.id.is_empty() { "api/".to_string() } else { format!("api/{}/", e.id) };
            let tables: serde_json::Map<String, Json> = e
                .schema
                .iter()
                .map(|t| {
                    let cols: Vec<Json> = t
                        .columns
                        .iter()
                        .map(|c| {
                            let unit = if c.unit.trim().is_empty() {
                                String::new()
                            } else {
                                xcat_core::schema::vo_unit(&c.unit)
                            };
                            json!({"name": c.name, "datatype": c.dtype, "unit": unit, "ucd": c.ucd, "description": c.description})
                        })
                        .collect();
                    (t.name.clone(), json!({"rows": t.rows, "columns": cols}))
                })
                .collect();
            let query = if e.id.is_empty() { "query/?q={query}".to_string() } else { format!("query/?release={}&q={{query}}", e.id) };
            let mut urls = json!({
                "source_page": "source/{srcid}/",
                "source_json": "source/{srcid}/source.json",
                "source_votable": "source/{srcid}/source.vot",
                "observation_page": "observation/{obs_id}/",
                "observation_json": "observation/{obs_id}/observation.json",
                "observation_votable": "observation/{obs_id}/observation.vot",
                "query": query,
            });
            if config.hats.enabled {
                let dir = super::hats::dir_of(e.id);
                urls["hats"] = json!(format!("{dir}/"));
                urls["hats_detections"] = json!(format!("{dir}/detections/"));
            }
            json!({
                "id": e.id,
                "title": e.title,
                "current": e.current,
                "tables": tables,
                "manifest": e.manifest,
                "urls": urls,
                "schemas": {
                    "source": format!("{dir}source.schema.json"),
                    "observation": format!("{dir}observation.schema.json"),
                },
            })
        })
        .collect();
    let v = json!({
        "title": config.title,
        "base_url": config.base_url,
        "description": "The site's catalogues as data. Paths are relative to the site's root (base_url when known); {srcid}, {obs_id} and {query} stand for a source identifier, an observation identifier and a URL-encoded query.",
        "licence": config.site.licence,
        "citation": config.site.citation,
        "releases": releases,
    });
    let mut b = serde_json::to_vec_pretty(&v).expect("JSON");
    b.push(b'\n');
    b
}
