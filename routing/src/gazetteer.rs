//! The city's streets (a gazetteer) from the CSV its GIS exports: names and aliases, intersection points and
//! address ranges, checked row by row. Pure: it takes the CSV text; the service reads the file.
//!
//! # Format
//!
//! One CSV file with a header row. Lines starting with `#` are comments; column order is free; a column
//! nobody knows is refused (a typo such as `lat_form` must not pass silently); cells are trimmed.
//!
//! | column | rows | meaning |
//! |---|---|---|
//! | `kind` | all | `street`, `intersection` or `range`; empty or absent means `street` |
//! | `street` | all | the street's official name, e.g. `Main St` or `S Mill St` |
//! | `aliases` | street | other names residents use, separated by `\|` (`Main Street\|Calle Principal`) |
//! | `cross_street` | intersection | the other street |
//! | `lat`, `lon` | intersection, range | the intersection's point; a range's point at `from_number` |
//! | `from_number`, `to_number` | range | the house numbers the stretch covers, inclusive |
//! | `lat_to`, `lon_to` | range | the range's point at `to_number`; numbers between are interpolated |
//!
//! Every street an intersection or range row names needs its own `street` row (so a misspelt cross street is
//! an error, not a new street). A street named twice, the same intersection twice, a cell a row's kind does
//! not use, a missing cell it needs, or a point off the globe is refused with its line and column.

use std::collections::HashMap;

use serde::Deserialize;

use crate::place_key::{Source, StreetName};

/// A point on the globe in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    /// The point `t` of the way from `self` to `to` (0 = here, 1 = there).
    pub fn toward(self, to: GeoPoint, t: f64) -> GeoPoint {
        GeoPoint {
            lat: self.lat + (to.lat - self.lat) * t,
            lon: self.lon + (to.lon - self.lon) * t,
        }
    }
}

/// A street's position in its gazetteer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreetId(pub(crate) usize);

/// One street of the city.
#[derive(Debug, Clone)]
pub struct Street {
    /// The official name, as the file writes it.
    pub name: String,
    /// How places on this street are keyed (`s mill st`).
    pub key: String,
    /// The official name and every alias, taken apart.
    pub(crate) names: Vec<StreetName>,
}

/// House numbers `from..=to` of one street, from one point to another.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AddressRange {
    pub from: u32,
    pub to: u32,
    pub start: GeoPoint,
    pub end: GeoPoint,
}

/// The city's streets, ready for lookups.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    pub(crate) streets: Vec<Street>,
    /// Core name (`mill`) → every street whose name or alias has it.
    pub(crate) by_core: HashMap<String, Vec<StreetId>>,
    /// Both streets in order → where they cross.
    pub(crate) crossings: HashMap<(StreetId, StreetId), GeoPoint>,
    pub(crate) ranges: HashMap<StreetId, Vec<AddressRange>>,
}

/// Why a streets file was refused: the line and the reason, naming the column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GazetteerError {
    #[error("line {line}: {reason}")]
    Row { line: u64, reason: String },
    #[error("no `street` rows: list at least one street")]
    Empty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum RowKind {
    #[default]
    Street,
    Intersection,
    Range,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    #[serde(default)]
    kind: Option<RowKind>,
    street: String,
    #[serde(default)]
    aliases: Option<String>,
    #[serde(default)]
    cross_street: Option<String>,
    #[serde(default)]
    from_number: Option<u32>,
    #[serde(default)]
    to_number: Option<u32>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
    #[serde(default)]
    lat_to: Option<f64>,
    #[serde(default)]
    lon_to: Option<f64>,
}

type RowResult<T> = Result<T, String>;

impl Gazetteer {
    /// Reads and checks a streets file's text.
    pub fn from_csv(text: &str) -> Result<Gazetteer, GazetteerError> {
        let rows = read_rows(text)?;
        let mut g = Gazetteer::default();
        let street_rows = rows.iter().filter(|(_, r)| r.kind() == RowKind::Street);
        for (line, row) in street_rows {
            g.add_street(row).map_err(|reason| at(*line, reason))?;
        }
        if g.streets.is_empty() {
            return Err(GazetteerError::Empty);
        }
        for (line, row) in rows.iter().filter(|(_, r)| r.kind() != RowKind::Street) {
            g.add_place(row).map_err(|reason| at(*line, reason))?;
        }
        Ok(g)
    }

    /// How many streets the city has.
    pub fn len(&self) -> usize {
        self.streets.len()
    }

    /// Whether the gazetteer lists no street (never true for one read by [`Gazetteer::from_csv`]).
    pub fn is_empty(&self) -> bool {
        self.streets.is_empty()
    }

    /// How many intersections have a point.
    pub fn intersections(&self) -> usize {
        self.crossings.len()
    }

    /// A street by id.
    pub fn street(&self, id: StreetId) -> &Street {
        &self.streets[id.0]
    }

    fn add_street(&mut self, row: &Row) -> RowResult<()> {
        let official = parse_name(&row.street, "street")?;
        if let Some(other) = self.declared(&row.street) {
            return Err(format!(
                "street: `{}` is listed twice (also `{}`)",
                row.street,
                self.street(other).name
            ));
        }
        let mut names = vec![official.clone()];
        for alias in row
            .aliases
            .iter()
            .flat_map(|a| a.split('|'))
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            names.push(parse_name(alias, "aliases")?);
        }
        let id = StreetId(self.streets.len());
        for n in &names {
            let ids = self.by_core.entry(n.core.clone()).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        self.streets.push(Street {
            name: row.street.clone(),
            key: official.full_key(),
            names,
        });
        Ok(())
    }

    fn add_place(&mut self, row: &Row) -> RowResult<()> {
        let street = self.known(&row.street, "street")?;
        if row.kind() == RowKind::Intersection {
            self.add_crossing(street, row)
        } else {
            self.add_range(street, row)
        }
    }

    fn add_crossing(&mut self, street: StreetId, row: &Row) -> RowResult<()> {
        let cross = row
            .cross_street
            .as_deref()
            .ok_or("cross_street: an `intersection` row needs one")?;
        let cross = self.known(cross, "cross_street")?;
        if cross == street {
            return Err("cross_street: a street does not cross itself".into());
        }
        let point = point(row.lat, row.lon, ("lat", "lon"))?;
        let pair = (street.min(cross), street.max(cross));
        if self.crossings.insert(pair, point).is_some() {
            return Err(format!(
                "this intersection of `{}` and `{}` is listed twice",
                self.street(pair.0).name,
                self.street(pair.1).name
            ));
        }
        Ok(())
    }

    fn add_range(&mut self, street: StreetId, row: &Row) -> RowResult<()> {
        let from = row
            .from_number
            .ok_or("from_number: a `range` row needs one")?;
        let to = row.to_number.ok_or("to_number: a `range` row needs one")?;
        if from > to {
            return Err(format!("from_number: {from} is above to_number {to}"));
        }
        let start = point(row.lat, row.lon, ("lat", "lon"))?;
        let end = point(row.lat_to, row.lon_to, ("lat_to", "lon_to"))?;
        self.ranges.entry(street).or_default().push(AddressRange {
            from,
            to,
            start,
            end,
        });
        Ok(())
    }

    /// The street whose official name or alias is written exactly this way (suffix spelling aside).
    fn declared(&self, name: &str) -> Option<StreetId> {
        let wanted = StreetName::parse(name, Source::Written)?;
        let ids = self.by_core.get(&wanted.core)?;
        ids.iter()
            .copied()
            .find(|id| self.street(*id).names.contains(&wanted))
    }

    fn known(&self, name: &str, column: &str) -> RowResult<StreetId> {
        self.declared(name)
            .ok_or_else(|| format!("{column}: `{name}` has no `street` row (is it misspelt?)"))
    }
}

impl Row {
    fn kind(&self) -> RowKind {
        self.kind.unwrap_or_default()
    }
}

fn read_rows(text: &str) -> Result<Vec<(u64, Row)>, GazetteerError> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let line_of = |e: &csv::Error| e.position().map_or(1, |p| p.line());
    let headers = reader
        .headers()
        .map_err(|e| at(line_of(&e), csv_reason(&e)))?
        .clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| at(line_of(&e), csv_reason(&e)))?;
        let line = record.position().map_or(0, |p| p.line());
        let row: Row = record
            .deserialize(Some(&headers))
            .map_err(|e| at(line, csv_reason(&e)))?;
        check_cells(&row).map_err(|reason| at(line, reason))?;
        rows.push((line, row));
    }
    Ok(rows)
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
        _ => e.to_string(),
    }
}

fn at(line: u64, reason: String) -> GazetteerError {
    GazetteerError::Row { line, reason }
}

fn parse_name(name: &str, column: &str) -> RowResult<StreetName> {
    StreetName::parse(name, Source::Written)
        .ok_or_else(|| format!("{column}: `{name}` is not a street name"))
}

/// Refuses a cell that the row's kind does not use, so a shifted column is caught.
fn check_cells(row: &Row) -> RowResult<()> {
    let cells = [
        ("aliases", row.aliases.is_some()),
        ("cross_street", row.cross_street.is_some()),
        ("from_number", row.from_number.is_some()),
        ("to_number", row.to_number.is_some()),
        ("lat", row.lat.is_some()),
        ("lon", row.lon.is_some()),
        ("lat_to", row.lat_to.is_some()),
        ("lon_to", row.lon_to.is_some()),
    ];
    let (kind, used): (&str, &[&str]) = match row.kind() {
        RowKind::Street => ("street", &["aliases"]),
        RowKind::Intersection => ("intersection", &["cross_street", "lat", "lon"]),
        RowKind::Range => (
            "range",
            &["from_number", "to_number", "lat", "lon", "lat_to", "lon_to"],
        ),
    };
    match cells
        .iter()
        .find(|(c, present)| *present && !used.contains(c))
    {
        Some((column, _)) => Err(format!(
            "{column}: not used by a `{kind}` row; leave it empty"
        )),
        None => Ok(()),
    }
}

fn point(lat: Option<f64>, lon: Option<f64>, columns: (&str, &str)) -> RowResult<GeoPoint> {
    let lat = lat.ok_or_else(|| format!("{}: this row needs a latitude", columns.0))?;
    let lon = lon.ok_or_else(|| format!("{}: this row needs a longitude", columns.1))?;
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(format!(
            "{}: {lat} is not a latitude (-90 to 90)",
            columns.0
        ));
    }
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        return Err(format!(
            "{}: {lon} is not a longitude (-180 to 180)",
            columns.1
        ));
    }
    Ok(GeoPoint { lat, lon })
}

#[cfg(test)]
#[path = "gazetteer_tests.rs"]
mod tests;
