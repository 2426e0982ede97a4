//! Row-by-row writers for spreadsheets: CSV (UTF-8 with BOM, so Excel reads Chinese correctly),
//! XLSX (bold frozen header, column widths, constant memory) and JSON Lines. Rows are written as
//! they come, so exports of any size run in bounded memory.

use anyhow::{Context, Result};
use rust_xlsxwriter::{Format as XlsxFormat, Workbook};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl<T: Into<f64>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, |x| Cell::Number(x.into()))
    }
}

/// A destination for rows of cells.
pub trait RowSink {
    fn row(&mut self, cells: &[Cell]) -> Result<()>;
    fn finish(self: Box<Self>) -> Result<()>;
}

pub struct CsvSink<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> CsvSink<W> {
    pub fn new(mut w: W, headers: &[&str]) -> Result<Self> {
        w.write_all("\u{FEFF}".as_bytes())?;
        let mut writer = csv::Writer::from_writer(w);
        writer.write_record(headers)?;
        Ok(CsvSink { writer })
    }
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Number(n) => format!("{n}"),
        Cell::Empty => String::new(),
    }
}

/// What a spreadsheet may run when a cell starts with it: a formula (=, +, -, @, and the full-width
/// forms Chinese input methods type, which spreadsheets read alike), a DDE pipe (|), or a tab or
/// carriage return before one.
const FORMULA_STARTS: [char; 12] = ['=', '+', '-', '@', '|', '\t', '\r', '＝', '＋', '－', '＠', '｜'];

/// A text cell that a spreadsheet would run as a formula gets a leading apostrophe, so that Excel
/// shows it as text; plain numbers stay numbers.
fn neutralized(c: &Cell) -> String {
    let t = cell_text(c);
    let risky = matches!(c, Cell::Text(_)) && t.starts_with(FORMULA_STARTS) && t.trim().parse::<f64>().is_err();
    if risky {
        format!("'{t}")
    } else {
        t
    }
}

impl<W: Write> RowSink for CsvSink<W> {
    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        self.writer.write_record(cells.iter().map(neutralized))?;
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

/// Column widths in characters, by header; text columns are wide, figures narrow.
fn width_for(header: &str) -> f64 {
    match header {
        "text" | "正文" | "example" | "section_path" | "figures" | "section_ids" => 60.0,
        "department" | "heading" | "source" | "label" | "top_terms" | "departments" => 28.0,
        _ => 12.0,
    }
}

pub struct XlsxSink {
    workbook: Workbook,
    path: PathBuf,
    row: u32,
}

impl XlsxSink {
    pub fn new(path: &Path, headers: &[&str]) -> Result<Self> {
        let mut workbook = Workbook::new();
        let bold = XlsxFormat::new().set_bold();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        for (i, h) in headers.iter().enumerate() {
            let col = u16::try_from(i).context("too many columns")?;
            sheet.set_column_width(col, width_for(h))?;
            sheet.write_string_with_format(0, col, *h, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(XlsxSink { workbook, path: path.to_path_buf(), row: 1 })
    }
}

/// Excel's limit on the characters of one cell.
const XLSX_CELL_MAX: usize = 32_767;

impl RowSink for XlsxSink {
    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (i, c) in cells.iter().enumerate() {
            let col = i as u16;
            match c {
                Cell::Text(s) => {
                    let s = if s.chars().count() > XLSX_CELL_MAX { crate::text::prefix_chars(s, XLSX_CELL_MAX) } else { s };
                    sheet.write_string(self.row, col, s)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(self.row, col, *n)?;
                }
                Cell::Empty => {}
            }
        }
        self.row += 1;
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        self.workbook.save(&self.path).with_context(|| format!("cannot write {}", self.path.display()))?;
        Ok(())
    }
}

/// Opens the sink for a tabular format.
pub fn open_sink(format: &str, output: Option<&Path>, headers: &[&str]) -> Result<Box<dyn RowSink>> {
    match (format, output) {
        ("xlsx", Some(p)) => Ok(Box::new(XlsxSink::new(p, headers)?)),
        ("xlsx", None) => anyhow::bail!("--format xlsx needs --output FILE"),
        (_, Some(p)) => {
            let f = std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?;
            Ok(Box::new(CsvSink::new(std::io::BufWriter::new(f), headers)?))
        }
        (_, None) => Ok(Box::new(CsvSink::new(std::io::stdout(), headers)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralized() {
        for risky in ["=1+1", "+A1", "-x", "@SUM(A1)", "|cmd", "\t=1", "＝1+1", "＋A1", "－x", "＠SUM(A1)", "｜cmd"] {
            assert_eq!(neutralized(&Cell::Text(risky.to_string())), format!("'{risky}"), "{risky}");
        }
        for plain in ["-5", "+3.5", "预算执行率 =90%", "1|2"] {
            assert_eq!(neutralized(&Cell::Text(plain.to_string())), plain, "{plain}");
        }
    }
}
