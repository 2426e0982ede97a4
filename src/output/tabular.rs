//! Row-by-row writers for spreadsheets: CSV (UTF-8 with BOM, so Excel reads Chinese correctly),
//! XLSX (Chinese headers in bold, frozen, column widths, a named sheet, theme labels; constant
//! memory) and JSON Lines. Rows are written as
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
        "text" | "statement" | "正文" | "example" | "section_path" | "section_ids" => 60.0,
        "department" | "heading" | "source" | "label" | "top_terms" | "departments" | "themes" | "figures" | "theme_ids" => 28.0,
        _ => 12.0,
    }
}

/// The header a spreadsheet shows: the Chinese name analysts use for the field (CSV and JSON keep
/// the English names that programs read).
fn header_label(h: &str) -> &str {
    match h {
        "statement_id" => "问题编号",
        "section_id" => "段落编号",
        "report_id" => "报告编号",
        "department" => "单位",
        "province" => "省",
        "city" => "市",
        "county" => "县（区）",
        "fiscal_year" => "年度",
        "report_kind" => "报告类型",
        "section_path" => "所在章节",
        "statement" => "问题表述",
        "themes" => "问题主题",
        "theme_ids" => "主题代码",
        "theme" => "主题代码",
        "label" => "名称",
        "figures" => "相关数字",
        "states_problem" => "是否问题",
        "total_score" => "自评总分",
        "grade" => "等级",
        "category" => "类别",
        "heading" => "标题",
        "text" => "正文",
        "source" => "来源文件",
        "score" => "相关度",
        "departments" => "单位数",
        "reports" => "报告数",
        "years" => "年度",
        "example" => "示例",
        "name" => "指标",
        "value" => "数值",
        "variants" => "名称写法",
        "input_id" => "输入编号",
        "input" => "输入原文",
        "measure" => "改进措施",
        "question" => "评价问题",
        "merged_by_user" => "手工合并",
        other => other,
    }
}

/// The sheet's name, from what its rows are.
fn sheet_name(headers: &[&str]) -> &'static str {
    if headers.contains(&"statement_id") {
        "问题表述"
    } else if headers.contains(&"value") {
        "指标"
    } else if headers.contains(&"theme") {
        "问题主题"
    } else if headers.contains(&"section_id") {
        "检索结果"
    } else if headers.contains(&"merged_by_user") {
        "单位"
    } else {
        "jixiao"
    }
}

pub struct XlsxSink {
    workbook: Workbook,
    path: PathBuf,
    row: u32,
    /// The column of theme ids, shown as labels, with the ids in a last column of their own.
    themes_col: Option<usize>,
    labels: std::collections::HashMap<String, String>,
    width: usize,
}

impl XlsxSink {
    pub fn new(path: &Path, headers: &[&str], themes: Option<&crate::schema::Themes>) -> Result<Self> {
        let mut workbook = Workbook::new();
        let bold = XlsxFormat::new().set_bold();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name(headers))?;
        let themes_col = themes.and(headers.iter().position(|h| *h == "themes"));
        let labels = themes.map(|t| t.list.iter().map(|t| (t.id.0.clone(), t.label.clone())).collect()).unwrap_or_default();
        let mut shown: Vec<&str> = headers.to_vec();
        if themes_col.is_some() {
            shown.push("theme_ids");
        }
        for (i, h) in shown.iter().enumerate() {
            let col = u16::try_from(i).context("too many columns")?;
            sheet.set_column_width(col, width_for(h))?;
            sheet.write_string_with_format(0, col, header_label(h), &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(XlsxSink { workbook, path: path.to_path_buf(), row: 1, themes_col, labels, width: headers.len() })
    }
}

/// Excel's limit on the characters of one cell.
const XLSX_CELL_MAX: usize = 32_767;

impl RowSink for XlsxSink {
    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        let mut cells = std::borrow::Cow::Borrowed(cells);
        if let Some(col) = self.themes_col {
            if let Some(Cell::Text(ids)) = cells.get(col).cloned() {
                let shown: Vec<&str> = ids.split(',').filter(|t| !t.is_empty()).map(|t| self.labels.get(t).map_or(t, String::as_str)).collect();
                let mut owned = cells.into_owned();
                owned.resize(self.width, Cell::Empty);
                owned[col] = Cell::Text(shown.join("；"));
                owned.push(Cell::Text(ids));
                cells = std::borrow::Cow::Owned(owned);
            }
        }
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
    open_sink_labelled(format, output, headers, None)
}

/// `open_sink` whose spreadsheet shows the themes of a `themes` column by their labels (the ids in
/// a last column, 主题代码).
pub fn open_sink_labelled(format: &str, output: Option<&Path>, headers: &[&str], themes: Option<&crate::schema::Themes>) -> Result<Box<dyn RowSink>> {
    match (format, output) {
        ("xlsx", Some(p)) => Ok(Box::new(XlsxSink::new(p, headers, themes)?)),
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
