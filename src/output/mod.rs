//! Output: every format jixiao prints, to any writer. Commands pass typed data here and nowhere else
//! format text, so the JSON field names are defined once, in the structs below.

use crate::index::{ReportDoc, SectionDoc};
use crate::ingest::Summary;
use crate::model::{IndicatorScore, Region, Report, Section};
use crate::query::Hit;
use serde::Serialize;
use std::io::{self, Write};

pub mod analysis;
pub mod opensearch;
pub mod web;
pub mod tabular;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// A report as JSON: `jixiao reports`, the first line of `jixiao show`.
#[derive(Serialize)]
pub struct ReportJson<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub department: Option<&'a str>,
    /// A project table's supervising department (主管部门), when it is not the reporting unit.
    pub supervisor: Option<&'a str>,
    pub region: &'a Region,
    pub fiscal_year: Option<u16>,
    pub total_score: Option<f64>,
    pub grade: Option<&'static str>,
    pub kind: &'static str,
    pub source: &'a str,
    /// Number of sections.
    pub sections: usize,
    pub filed: Option<&'a str>,
    pub flags: &'a [crate::model::Flag],
}

impl<'a> ReportJson<'a> {
    pub fn new(r: &'a Report, sections: usize) -> Self {
        ReportJson {
            id: r.id.as_str(),
            title: r.meta.title.as_deref(),
            supervisor: r.meta.supervisor.as_deref(),
            department: r.meta.department.as_deref(),
            region: &r.meta.region,
            fiscal_year: r.meta.fiscal_year,
            total_score: r.meta.total_score,
            grade: r.meta.grade.map(|g| g.as_str()),
            kind: r.kind().as_str(),
            source: &r.source.path,
            sections,
            filed: r.meta.filed.as_deref(),
            flags: &r.flags,
        }
    }
}

/// A section as JSON; hits add `score`, `snippet` and `highlights`.
#[derive(Serialize)]
pub struct SectionJson<'a> {
    pub id: String,
    pub report_id: &'a str,
    pub department: Option<&'a str>,
    pub region: &'a Region,
    pub fiscal_year: Option<u16>,
    pub path: &'a [String],
    pub level: u8,
    pub heading: &'a str,
    pub category: &'static str,
    pub themes: Vec<&'a str>,
    pub text: &'a str,
    pub seq: u32,
    pub parent_id: Option<String>,
    /// What the section is (heading, labeled paragraph …); not the report's kind.
    pub section_kind: crate::model::SectionKind,
    pub indicator: Option<IndicatorScore>,
    /// The report's kind (department_overall, project, other), what `kind:` and `--kind` filter on.
    pub report_kind: &'static str,
    pub total_score: Option<f64>,
    pub grade: Option<crate::model::Grade>,
    pub source: &'a str,
    /// Problem sections: their statements, each with its id (`SECTIONID.N`), themes and figures.
    pub statements: Vec<StatementJson<'a>>,
}

#[derive(Serialize)]
pub struct StatementJson<'a> {
    pub id: String,
    pub text: &'a str,
    pub themes: Vec<&'a str>,
    pub figures: &'a [String],
}

impl<'a> SectionJson<'a> {
    pub fn new(d: &'a SectionDoc) -> Self {
        let s: &Section = &d.section;
        SectionJson {
            id: d.report_id.section(s.seq).0,
            report_id: d.report_id.as_str(),
            department: d.department.as_deref(),
            region: &d.region,
            fiscal_year: d.fiscal_year,
            path: &s.path,
            level: s.level,
            heading: &s.heading,
            category: s.category.as_str(),
            themes: s.themes.iter().map(|t| t.0.as_str()).collect(),
            text: &s.text,
            seq: s.seq,
            parent_id: s.parent.map(|p| d.report_id.section(p).0),
            section_kind: s.kind,
            indicator: s.indicator,
            report_kind: d.kind.as_str(),
            total_score: d.total_score,
            grade: d.grade,
            source: &d.source,
            statements: s
                .statements
                .iter()
                .enumerate()
                .map(|(n, st)| StatementJson {
                    id: crate::model::StatementId::at(d.report_id.section(s.seq), n).to_string(),
                    text: &st.text,
                    themes: st.themes.iter().map(|t| t.0.as_str()).collect(),
                    figures: &st.figures,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct HitJson<'a> {
    #[serde(flatten)]
    section: SectionJson<'a>,
    score: f32,
    /// The snippet with the matches between <b> and </b> (the text itself is not escaped).
    snippet: String,
    highlights: Vec<&'a str>,
}

impl<'a> HitJson<'a> {
    pub fn new(h: &'a Hit) -> Self {
        let highlights = h.highlights.iter().filter_map(|&(a, b)| h.snippet.get(a..b)).collect();
        HitJson { section: SectionJson::new(&h.doc), score: h.score, snippet: marked(&h.snippet, &h.highlights, "<b>", "</b>"), highlights }
    }
}

pub(crate) fn json_line<T: Serialize>(out: &mut dyn Write, v: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v)?;
    out.write_all(b"\n")
}

/// Prints width-aware padding: CJK characters take two columns.
/// Terminal cells a character takes: two for Chinese characters and full-width forms.
fn cells(c: char) -> usize {
    if crate::text::is_han(c) || ('\u{3000}'..='\u{FFEF}').contains(&c) {
        2
    } else {
        1
    }
}

pub(crate) fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(cells).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// `s` cut to `width` terminal cells, ending in "…" when cut, so that a table's columns stay
/// aligned whatever the text.
pub(crate) fn fit(s: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if s.chars().map(cells).sum::<usize>() <= width {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        if used + cells(c) + 1 > width {
            break;
        }
        used += cells(c);
        out.push(c);
    }
    out.push('…');
    std::borrow::Cow::Owned(out)
}

pub(crate) fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

pub fn reports(out: &mut dyn Write, list: &[ReportDoc], format: Format) -> io::Result<()> {
    match format {
        Format::Json => {
            for r in list {
                json_line(out, &ReportJson::new(&r.report, r.section_count))?;
            }
        }
        Format::Table => {
            writeln!(out, "{}  {}  {}  {}  {}  {}  {}  {}", pad("id", 12), pad("部门", 30), pad("地区", 24), "年度", pad("得分", 6), "等级", pad("类型", 18), "节数")?;
            for r in list {
                let m = &r.report.meta;
                writeln!(
                    out,
                    "{}  {}  {}  {}  {}  {}  {}  {}",
                    r.report.id,
                    pad(m.department.as_deref().unwrap_or("（未识别）"), 30),
                    pad(&m.region.display(), 24),
                    opt(m.fiscal_year),
                    pad(&opt(m.total_score), 6),
                    pad(m.grade.map(|g| g.as_str()).unwrap_or("-"), 4),
                    pad(r.report.kind().as_str(), 18),
                    r.section_count
                )?;
            }
        }
    }
    Ok(())
}

/// `jixiao show REPORT`: the report, then its sections in document order.
pub fn report_detail(out: &mut dyn Write, r: &ReportDoc, sections: &[SectionDoc], format: Format) -> io::Result<()> {
    match format {
        Format::Json => {
            json_line(out, &ReportJson::new(&r.report, r.section_count))?;
            for s in sections {
                json_line(out, &SectionJson::new(s))?;
            }
        }
        Format::Table => {
            let m = &r.report.meta;
            writeln!(out, "{}  {}", r.report.id, m.title.as_deref().unwrap_or("（无标题）"))?;
            writeln!(out, "部门  {}", m.department.as_deref().unwrap_or("（未识别）"))?;
            writeln!(out, "地区  {}", m.region.display())?;
            writeln!(out, "年度  {}   得分 {}   等级 {}   类型 {}", opt(m.fiscal_year), opt(m.total_score), m.grade.map(|g| g.as_str()).unwrap_or("-"), r.report.kind().as_str())?;
            writeln!(out, "来源  {}", r.report.source.path)?;
            writeln!(out)?;
            for d in sections {
                let s = &d.section;
                let heading = if s.heading.is_empty() { "（导言）" } else { s.heading.as_str() };
                let themes = if s.themes.is_empty() { String::new() } else { format!("  [{}]", s.themes.iter().map(|t| t.0.as_str()).collect::<Vec<_>>().join(", ")) };
                let score = s.indicator.map(|i| format!("  ({}/{})", opt(i.score), i.max)).unwrap_or_default();
                writeln!(out, "{:>4}  {}{}  <{}>{}{}", s.seq, "  ".repeat(usize::from(s.level.saturating_sub(1))), heading, s.category.as_str(), score, themes)?;
            }
        }
    }
    Ok(())
}

/// `jixiao show SECTION`.
pub fn section_detail(out: &mut dyn Write, d: &SectionDoc, format: Format) -> io::Result<()> {
    match format {
        Format::Json => json_line(out, &SectionJson::new(d)),
        Format::Table => {
            let s = &d.section;
            writeln!(out, "{}  {} {}", d.report_id.section(s.seq), d.department.as_deref().unwrap_or("（未识别）"), opt(d.fiscal_year))?;
            writeln!(out, "{}", s.path.join(" > "))?;
            writeln!(out, "类别 {}   主题 {}", s.category.as_str(), s.themes.iter().map(|t| t.0.as_str()).collect::<Vec<_>>().join(", "))?;
            writeln!(out)?;
            writeln!(out, "{}", s.text)
        }
    }
}

/// Marks the highlighted ranges of a snippet with `open`/`close`.
fn marked(snippet: &str, highlights: &[(usize, usize)], open: &str, close: &str) -> String {
    let mut s = String::new();
    let mut at = 0;
    for &(a, b) in highlights {
        if a < at || b > snippet.len() || !snippet.is_char_boundary(a) || !snippet.is_char_boundary(b) {
            continue;
        }
        s.push_str(&snippet[at..a]);
        s.push_str(open);
        s.push_str(&snippet[a..b]);
        s.push_str(close);
        at = b;
    }
    s.push_str(&snippet[at..]);
    s.replace('\n', " ")
}

pub fn hits(out: &mut dyn Write, hits: &[Hit], total: usize, format: Format, color: bool) -> io::Result<()> {
    match format {
        Format::Json => {
            for h in hits {
                json_line(out, &HitJson::new(h))?;
            }
        }
        Format::Table => {
            let (open, close) = if color { ("\x1b[1;31m", "\x1b[0m") } else { ("【", "】") };
            for (i, h) in hits.iter().enumerate() {
                hit_header(out, i, h.score, "", &h.doc)?;
                writeln!(out, "     {}", marked(&h.snippet, &h.highlights, open, close))?;
            }
            writeln!(out, "{} of {} matching sections", hits.len(), total)?;
        }
    }
    Ok(())
}

/// The first two lines of a ranked section: rank, score, department, year, category, id; path.
pub(crate) fn hit_header(out: &mut dyn Write, rank: usize, score: f32, flag: &str, d: &SectionDoc) -> io::Result<()> {
    let s = &d.section;
    writeln!(
        out,
        "{:>3}. {score:.2}{flag}  {} {}  <{}>  {}",
        rank + 1,
        d.department.as_deref().unwrap_or("（未识别）"),
        opt(d.fiscal_year),
        s.category.as_str(),
        d.report_id.section(s.seq)
    )?;
    writeln!(out, "     {}", s.path.join(" > "))
}

pub fn ingest_summary(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if let Some(r) = &s.recovered {
        writeln!(out, "the store was damaged (moved to {}); {} reports restored from the index", r.moved_to.display(), r.restored)?;
    }
    write!(out, "{} added, {} replaced, {} unchanged, {} failed", s.added, s.replaced, s.unchanged, s.failed)?;
    if s.skipped > 0 {
        write!(out, ", {} other {} skipped", s.skipped, if s.skipped == 1 { "file" } else { "files" })?;
    }
    if s.repaired > 0 {
        write!(out, "; {} index entries repaired", s.repaired)?;
    }
    writeln!(out)
}

#[derive(Serialize)]
pub struct Stats {
    pub reports: usize,
    pub sections: usize,
    pub departments: usize,
    pub years: Vec<(u16, usize)>,
    pub kinds: Vec<(&'static str, usize)>,
    pub categories: Vec<(&'static str, usize)>,
    pub themes: Vec<(String, usize)>,
    pub incomplete: usize,
}

pub fn stats(out: &mut dyn Write, s: &Stats, format: Format) -> io::Result<()> {
    match format {
        Format::Json => json_line(out, s),
        Format::Table => {
            writeln!(out, "reports      {}", s.reports)?;
            writeln!(out, "sections     {}", s.sections)?;
            writeln!(out, "departments  {}", s.departments)?;
            writeln!(out, "incomplete   {}", s.incomplete)?;
            let list = |v: Vec<String>| v.join("  ");
            writeln!(out, "years        {}", list(s.years.iter().map(|(y, n)| format!("{y}:{n}")).collect()))?;
            writeln!(out, "kinds        {}", list(s.kinds.iter().map(|(k, n)| format!("{k}:{n}")).collect()))?;
            writeln!(out, "categories   {}", list(s.categories.iter().map(|(k, n)| format!("{k}:{n}")).collect()))?;
            writeln!(out, "themes       {}", list(s.themes.iter().map(|(k, n)| format!("{k}:{n}")).collect()))
        }
    }
}

/// A writer that drops control characters (escape sequences, C1 controls; tabs and newlines stay)
/// and the bidirectional controls that reorder what a terminal shows (U+202E makes "txt.exe" read
/// "exe.txt"), so that report text or a file name cannot drive or disguise the terminal. JSON
/// escapes the first kind anyway.
pub struct Printable<W: Write> {
    inner: W,
    /// The start of a multi-byte character held back: with the next bytes it may be a control.
    held: Vec<u8>,
}

impl<W: Write> Printable<W> {
    pub fn new(inner: W) -> Self {
        Printable { inner, held: Vec::new() }
    }
}

/// Whether UTF-8 bytes are a character to drop, the start of one, or neither.
#[derive(PartialEq)]
enum Dropped {
    Whole,
    Start,
    No,
}

fn dropped(bytes: &[u8]) -> Dropped {
    match bytes {
        [0x00..=0x08 | 0x0B..=0x1F | 0x7F] => Dropped::Whole,
        [0xC2] | [0xD8] | [0xE2] | [0xE2, 0x80] | [0xE2, 0x81] => Dropped::Start,
        // C1 controls U+0080–U+009F; ALM U+061C; LRM, RLM U+200E–U+200F; LRE…RLO U+202A–U+202E;
        // LRI…PDI U+2066–U+2069.
        [0xC2, 0x80..=0x9F] | [0xD8, 0x9C] | [0xE2, 0x80, 0x8E | 0x8F | 0xAA..=0xAE] | [0xE2, 0x81, 0xA6..=0xA9] => Dropped::Whole,
        _ => Dropped::No,
    }
}

/// True for a character `Printable` drops.
fn is_unprintable(c: char) -> bool {
    let mut buf = [0u8; 4];
    c != '\n' && c != '\t' && (c.is_control() || dropped(c.encode_utf8(&mut buf).as_bytes()) == Dropped::Whole)
}

impl<W: Write> Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut kept = Vec::with_capacity(buf.len() + 3);
        for &b in buf {
            self.held.push(b);
            match dropped(&self.held) {
                Dropped::Whole => self.held.clear(),
                Dropped::Start => {}
                Dropped::No => {
                    // The held start was an ordinary character's; the last byte may begin another.
                    let last = self.held.pop().unwrap_or(b);
                    kept.append(&mut self.held);
                    match dropped(&[last]) {
                        Dropped::Whole => {}
                        Dropped::Start => self.held.push(last),
                        Dropped::No => kept.push(last),
                    }
                }
            }
        }
        self.inner.write_all(&kept)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        let held = std::mem::take(&mut self.held);
        self.inner.write_all(&held)?;
        self.inner.flush()
    }
}

/// `s` without control characters other than tab and newline, nor bidirectional controls (for
/// messages on stderr).
pub fn printable(s: &str) -> String {
    s.chars().filter(|c| !is_unprintable(*c)).collect()
}

#[cfg(test)]
mod printable_tests {
    use super::*;

    #[test]
    fn cells_are_cut_to_their_column_by_display_width() {
        assert_eq!(fit("预算编制不精准、不完整", 10), "预算编制…");
        assert_eq!(fit("budget", 10), "budget");
        assert_eq!(pad(&fit("预算编制不精准、不完整", 11), 11), "预算编制不…");
        assert_eq!(pad(&fit("预算编制", 11), 11), "预算编制   ");
    }

    #[test]
    fn escape_sequences_and_c1_controls_do_not_reach_the_terminal() {
        let mut out = Printable::new(Vec::new());
        out.write_all("预算\u{1b}[2J执行\u{9b}31m率\t\n".as_bytes()).unwrap();
        // A C1 control split across two writes is still caught.
        out.write_all(&"\u{85}".as_bytes()[..1]).unwrap();
        out.write_all(&"\u{85}".as_bytes()[1..]).unwrap();
        out.write_all("é".as_bytes()).unwrap();
        out.flush().unwrap();
        assert_eq!(String::from_utf8(out.inner).unwrap(), "预算[2J执行31m率\t\né");
        assert_eq!(printable("a\u{1b}]0;x\u{7}b"), "a]0;xb");
    }

    #[test]
    fn bidirectional_controls_do_not_reach_the_terminal_even_split_across_writes() {
        let text = "报告\u{202e}txt.exe\u{2066}甲\u{2069}—\u{200f}乙\u{61c}丙€";
        for split in 0..text.len() {
            let mut out = Printable::new(Vec::new());
            out.write_all(&text.as_bytes()[..split]).unwrap();
            out.write_all(&text.as_bytes()[split..]).unwrap();
            out.flush().unwrap();
            assert_eq!(String::from_utf8(out.inner).unwrap(), "报告txt.exe甲—乙丙€", "split at {split}");
        }
        assert_eq!(printable(text), "报告txt.exe甲—乙丙€");
    }
}

