//! Report metadata: title, department, region, fiscal year, total score, grade, kind.
//!
//! Each value is taken from where reports of this genre state it, in order of reliability: cover
//! fields (部门名称：…), the title, then the body. What cannot be found stays `None`; nothing is guessed
//! from file names.

use crate::model::{Grade, ReportKind};
use crate::region::RegionTable;
use crate::schema::{Metadata, Units};
use crate::text::{fold, squeeze};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

fn re(p: &str) -> Regex {
    Regex::new(p).expect("metadata pattern")
}

static YEAR_ANY: LazyLock<Regex> = LazyLock::new(|| re(r"((?:19|20)\d{2})年"));
/// A year in a title or a cover line; a letter O that text recognition put for a zero (2O23) is read
/// as one.
static YEAR_TITLE: LazyLock<Regex> = LazyLock::new(|| re(r"((?:19|2[0Oo])[\dOo]{2})年度?"));
static YEAR_EVALUATED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"对((?:19|20)\d{2})年度?[^。；]{0,16}(?:开展|进行|实施)[^。；]{0,8}(?:绩效)?(?:自评|评价)|(?:开展|做好|进行)((?:19|20)\d{2})年度?[^。；]{0,24}(?:绩效)?(?:自评|自我绩效评价|评价)")
});
static YEAR_END: LazyLock<Regex> = LazyLock::new(|| re(r"截[止至]((?:19|20)\d{2})年12月31日"));
static DATE_ONLY: LazyLock<Regex> = LazyLock::new(|| re(r"^((?:19|20)\d{2})年(\d{1,2}月(\d{1,2}日)?)?$"));
static BOOK_TITLE: LazyLock<Regex> = LazyLock::new(|| re(r"《[^》]{0,120}》|〔[^〕]{0,12}〕|\[\d{4}\]"));

/// The title: the first cover line that names a report, joined with the line before it when the
/// title is set over two lines ("2022年度义务教育薄弱环节改善项目" / "支出绩效自评报告").
pub fn title(cover: &[String]) -> Option<String> {
    let lines: Vec<&str> = cover.iter().map(|l| l.trim()).collect();
    let is_field = |l: &str| l.contains('：') || l.contains(':');
    let i = lines.iter().position(|l| l.contains("报告") && l.chars().count() <= 60 && !is_field(l))?;
    let line = lines[i];
    let before = i.checked_sub(1).map(|j| lines[j]).filter(|p| {
        !is_field(p)
            && !crate::text::ends_sentence(p)
            && !p.starts_with("附")
            && (p.contains("年度") || p.contains("项目") || p.contains("部门") || p.contains("单位"))
            && p.chars().count() + line.chars().count() <= 70
    });
    Some(match before {
        Some(p) if !line.starts_with(|c: char| c.is_ascii_digit()) => format!("{p}{line}"),
        _ => line.to_string(),
    })
}

/// The filing date as written on the cover.
pub fn filed(cover: &[String], m: &Metadata) -> Option<String> {
    cover.iter().find_map(|l| m.filed.captures(l.trim()).map(|c| c[1].trim().to_string()))
}


/// What may follow a unit's name in a title: a year, or the words that open the report's name.
static AFTER_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:$|\d{4}|[（(]本级[)）]|本级|部门|单位|整体|项目|关于|年度|绩效|预算|决算|支出|专项|财政|自评|\.pdf|\.docx?|[_\-—:：])")
});
/// A line that opens with a year ("2024年度部门整体支出……"), which is no chapter number.
static YEAR_FIRST: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:19|20)\d{2}\s*年"));
/// Lines of a web page's chrome or of a document's issuer, whose org is not the reporting unit.
static NOT_THE_UNIT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:来源|发布机构|发文机关|作者|索引号|当前位置|主办|承办|信息来源|文号|发布时间|主题分类|组配分类)|[（(]?制[)）]?$|关于.{0,40}通知"));
/// Web-page metadata labels that precede a page's title ("标    题：…").
/// A page's field label or its chrome before a name: "标题：", a site's greeting ("欢迎来到", "欢迎访
/// 问") and the breadcrumb's "您现在的位置：" are never part of a unit's name.
static PAGE_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:(?:标题|名称|题名)[:：]?|欢迎您?(?:来到|访问|光临|进入)|(?:您(?:现在)?(?:所在)?的?|当前)(?:位置|所在位置)[:：]?)"));
/// An item of a list of attachments ("附件3：某某项目绩效评价报告.pdf"): when the opening holds two or
/// more, the page publishes other reports, and their names are not the unit's.
static ATTACHMENT_ITEM: LazyLock<Regex> = LazyLock::new(|| re(r"^附件\d+[:：]\S"));
static LEADING_YEAR: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:附件\d*[:：]?)?(?:(?:19|20)\d{2}年度?|(?:19|20)\d{2})"));

/// The unit named at the start of `line` (after a leading year), when a report name follows it or
/// the line is the name alone. The longest such name wins ("…委员会" over "…委").
fn unit_at_start(line: &str, units: &Units) -> Option<String> {
    let l = PAGE_LABEL.replace(line, "");
    let l = LEADING_YEAR.replace(&l, "");
    // A 关于…的报告 title names its unit after 关于.
    let l = l.strip_prefix("关于").unwrap_or(&l);
    let mut best: Option<&str> = None;
    for (i, _) in l.char_indices().skip(3).take(40).chain(std::iter::once((l.len(), ' '))) {
        let cand = &l[..i];
        if units.is_unit_name(cand) && AFTER_UNIT.is_match(&l[i..]) {
            best = Some(cand);
        }
    }
    best.map(str::to_string).filter(|b| b.chars().count() >= 3 && !is_report_word(b))
}

/// Names that are report words rather than units ("部门整体支出绩效自评报告" ends with no unit, but
/// "部门" alone would).
fn is_report_word(s: &str) -> bool {
    matches!(s, "部门" | "本部门" | "单位" | "本单位" | "本级" | "预算单位" | "主管部门") || s.starts_with("关于") || s.contains("报告")
}

fn trim_org(value: &str, units: &Units) -> String {
    let v = value.trim().trim_end_matches(['（', '(']);
    let v = v.trim_end_matches(['。', '；', ';', ',', '，']).trim();
    // Keep an alias in parentheses only when it is one ("(湖南行政学院)"), not a note ("（盖章）").
    match v.find(['（', '(']) {
        Some(i) if !units.is_unit_name(v) => v[..i].trim().to_string(),
        _ => v.to_string(),
    }
}

/// The supervising department named in a project table (主管部门), if any.
pub fn supervisor(cover: &[String], text: &str, units: &Units) -> Option<String> {
    let head = text.char_indices().nth(4000).map_or(text, |(i, _)| &text[..i]);
    // Folding leaves 主管部门 as it is: only lines naming it are folded and matched.
    cover
        .iter()
        .map(String::as_str)
        .chain(head.lines())
        .filter(|l| units.names_the_supervisor(l))
        .map(fold)
        .find_map(|l| units.supervisor_field(&l).map(|v| trim_org(v, units)))
        .filter(|v| v.chars().count() >= 3 && !is_report_word(v))
}

/// Every region-prefixed org name in `text` with its count: 乐昌市卫生健康局, 安义县人民医院…
fn org_names(text: &str, regions: &RegionTable, units: &Units) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for start in regions.mention_starts(text) {
        if let Some(name) = org_name_at(&text[start..], regions, units) {
            *counts.entry(name.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

/// The org name that `rest` opens with: place names, at least two more chars, an org suffix
/// within 15 chars ("乐昌市" "卫生健康" "局").
fn org_name_at<'a>(rest: &'a str, regions: &RegionTable, units: &Units) -> Option<&'a str> {
    let chain = regions.leading_chain_len(rest);
    if chain == 0 {
        return None;
    }
    let after = &rest[chain..];
    for (n, (i, c)) in after.char_indices().enumerate() {
        if n > 14 || !crate::text::is_han(c) {
            break;
        }
        if let Some(suf) = units.body_suffix_at(&after[i..]) {
            if n >= 2 {
                let name = &rest[..chain + i + suf.len()];
                return (!units.runs_over_a_clause(name)).then_some(name);
            }
        }
    }
    None
}

/// Whether `text` may name an org whose name is `name` and one to three chars more: every org name
/// of `org_names` starts where the text names a place, so where `name` occurs with a place at its
/// start and such a longer name there, or nowhere. Cheaper than `org_names`: `name` is looked for
/// as it is, not every place name.
fn may_name_longer(text: &str, name: &str, regions: &RegionTable, units: &Units) -> bool {
    let Some(first) = name.chars().next() else { return false };
    // Every occurrence, overlapping ones too.
    let mut from = 0;
    while let Some(k) = text[from..].find(name) {
        let i = from + k;
        if org_name_at(&text[i..], regions, units).is_some_and(|n| is_longer_form(n, name)) {
            return true;
        }
        from = i + first.len_utf8();
    }
    false
}

/// `long` is `short` and one to three chars more.
fn is_longer_form(long: &str, short: &str) -> bool {
    long.starts_with(short) && long.len() > short.len() && long.chars().count() - short.chars().count() <= 3
}

static PARTY_ORGAN: LazyLock<Regex> = LazyLock::new(|| re(r"(?:委|部|委员会|党校|工委)$"));

/// The fullest form of `name` the text writes: extended to the left by place names or a party prefix
/// ("瑶海区农林水务局" → "合肥市瑶海区农林水务局", "云南省委宣传部" → "中共云南省委宣传部"), and
/// "镇政府" to "镇人民政府" when the text says so.
/// `text` is the squeezed text, `lines` the text as written (its line breaks decide what stands
/// before a name).
fn fullest_form(name: &str, text: &str, lines: &str, regions: &RegionTable, units: &Units) -> String {
    let mut name = name.to_string();
    if let Some(stem) = name.strip_suffix("政府").filter(|s| !s.ends_with("人民")) {
        let long = format!("{stem}人民政府");
        if text.contains(&long) {
            name = long;
        }
    }
    // A party organ named by its level whose official name the text writes in full
    // ("市委政法委" → "中国共产党开远市委员会政法委员会").
    if let Some(rest) = ["省委", "市委", "县委", "区委", "州委"].iter().find_map(|l| name.strip_prefix(l)).filter(|r| r.chars().count() >= 2) {
        let full = units.expand_short_form(rest);
        if let Ok(official) = regex::Regex::new(&format!(r"中国共产党[\p{{Han}}]{{2,12}}?委员会{}", regex::escape(&full))) {
            if let Some(m) = official.find(text) {
                return m.as_str().to_string();
            }
        }
    }
    // A party organ named by its level ("省委统战部", "市委政法委"): the place-named form the text
    // writes ("中共浙江省委统战部").
    let mut chars = name.chars();
    if let (Some(level @ ('省' | '市' | '县' | '区' | '州' | '旗')), rest) = (chars.next(), chars.as_str()) {
        if rest.starts_with('委') && rest.chars().count() >= 2 {
            let mut placed: Option<String> = None;
            for (i, _) in text.match_indices(rest).take(200) {
                for (j, _) in text[..i].char_indices().rev().take(16) {
                    let prefix = &text[j..i];
                    let bare = prefix.trim_start_matches("中国共产党").trim_start_matches("中共");
                    let chain = regions.leading_chain_len(bare);
                    if chain > 0 && chain == bare.len() && bare.ends_with(level) && placed.as_ref().is_none_or(|p| p.len() < prefix.len() + rest.len()) {
                        placed = Some(format!("{prefix}{rest}"));
                    }
                }
            }
            if let Some(p) = placed {
                return p;
            }
        }
    }
    let mut best = name.clone();
    // "中共" and "X省委" lead only the names of party organs.
    let party_organ = PARTY_ORGAN.is_match(name.as_str());
    for (i, _) in text.match_indices(name.as_str()).take(200) {
        let before = &text[..i];
        // Up to 16 characters to the left.
        let starts: Vec<usize> = before.char_indices().rev().take(16).map(|(j, _)| j).collect();
        for j in starts {
            let prefix = &before[j..];
            let party = prefix.starts_with("中共") || prefix.starts_with("中国共产党");
            // Only a longer form can replace the best one: the place names are looked up then.
            if prefix.len() + name.len() <= best.len() || (party && !party_organ) {
                continue;
            }
            let bare = prefix.trim_start_matches("中国共产党").trim_start_matches("中共");
            let chain = regions.leading_chain_len(bare);
            let fits = chain == bare.len() || (party_organ && bare.strip_suffix('委').is_some_and(|b| chain == b.len() && chain > 0));
            if fits {
                best = format!("{prefix}{name}");
            }
        }
    }
    // A prefix is the text's only where it stands before the name on one line (or the line breaks
    // inside the name, as a PDF wraps): "六安市" ending one line and the name opening the next are
    // two things. No place is ever added that the text does not write before the name.
    if best != name {
        return if written_whole(lines, &best, best.len() - name.len()) { best } else { name };
    }
    // The place that opens the name written with its parent elsewhere ("重庆市大足区" in the body
    // for "大足区林业局"): for a name found in the title or the body, not in a cover field.
    let chain = regions.leading_chain(&name);
    if let Some(first) = chain.first() {
        for (i, _) in text.match_indices(first.as_str()).take(200) {
            let before = &text[..i];
            for (j, _) in before.char_indices().rev().take(10) {
                let prefix = &before[j..];
                let pc = regions.leading_chain_len(prefix);
                if pc == prefix.len() && prefix.len() + name.len() > best.len() && !name.starts_with(prefix) {
                    best = format!("{prefix}{name}");
                }
            }
        }
    }
    best
}

/// True when `whole` is written on one line of `text` (spaces aside), or across a line break that
/// falls after its first `prefix` bytes.
fn written_whole(text: &str, whole: &str, prefix: usize) -> bool {
    let lines: Vec<String> = text.lines().map(squeeze).filter(|l| !l.is_empty()).collect();
    lines.iter().any(|l| l.contains(whole))
        || lines.windows(2).any(|w| (prefix + 1..whole.len()).filter(|k| whole.is_char_boundary(*k)).any(|k| w[0].ends_with(&whole[..k]) && w[1].starts_with(&whole[k..])))
}

/// A unit named by its level alone: 市卫生健康委, 县文旅局, 县政协, 区人大常委会.
static PLACELESS_UNIT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:^|[，。；、,;:：\s])([省市县区](?:政协|人大常委会|(?:[\p{Han}]{2,8}?)(?:委员会|局|委|厅|办公室)))"));

/// A line folded, and written close when it is spaced out character by character ("单 位 名 称 ：
/// 某 县 民 政 局", a cover set with letter spacing).
fn unspaced(line: &str) -> String {
    let folded = fold(line);
    let tokens: Vec<&str> = folded.split_whitespace().collect();
    if tokens.len() >= 6 && tokens.iter().all(|t| t.chars().count() == 1) {
        tokens.concat()
    } else {
        folded
    }
}

/// The opening of a short name given in parentheses: （以下简称…）, （简称…）, （以下称…）.
static INTRODUCED: LazyLock<Regex> = LazyLock::new(|| re(r"[（(](?:以下)?(?:简称|称)"));

/// A unit's own charter (its 三定 regulation: "《某某局职能配置、内设机构和人员编制规定》"), which a
/// report cites where it sets out the unit's duties: the name it gives is the unit's.
static CHARTER: LazyLock<Regex> = LazyLock::new(|| re(r"[《〈<]([\p{Han}（）()]{4,40}?)(?:主要)?职能配置[、，,]?内设机构和人员编制(?:规定|方案)[》〉>]"));

/// The finance bureau that issued a notice the text cites ("《平江县财政局关于开展……的通知》"): its
/// place names the city or county of a unit that writes itself without one.
static CITED_ISSUER: LazyLock<Regex> = LazyLock::new(|| re(r"([\p{Han}]{2,16}?)财政(?:局|厅)(?:、[^《》]{0,30})?关于"));

/// A name without its place ("县农业农村局", "县人民医院") placed in the county (or city, district)
/// of the finance bureau whose notice the text cites, when that bureau is of the name's level.
pub fn placed_by_cited_notice(name: &str, text: &str, regions: &RegionTable) -> Option<String> {
    let level = name.chars().next().filter(|c| matches!(c, '县' | '市' | '区'))?;
    let rest = &name[level.len_utf8()..];
    if rest.chars().count() < 2 {
        return None;
    }
    let head = text.char_indices().nth(6000).map_or(text, |(i, _)| &text[..i]);
    CITED_ISSUER.captures_iter(head).find_map(|c| {
        let chain = regions.leading_chain(&c[1]);
        // The issuer is the place itself, nothing else before 财政局.
        (chain.concat() == c[1]).then_some(())?;
        let place = chain.iter().rev().find(|p| p.ends_with(level))?;
        Some(format!("{place}{rest}"))
    })
}

/// The reporting unit: a cover or table field (单位名称, 评价单位…), a title line that opens with the
/// unit, a line that is a unit's name, the file name, the signature line at the end, else the
/// administrative department the body names most. Web-page chrome (来源, 发布机构) and the finance bureau that issued a form or a notice
/// are not the unit. The name is given in the fullest form the text writes.
pub fn department(cover: &[String], title: Option<&str>, text: &str, regions: &RegionTable, units: &Units) -> Option<String> {
    department_squeezed(cover, title, text, &squeeze(text), regions, units)
}

/// `department` with the text also as `squeeze` returns it (the parser has it already).
pub fn department_squeezed(cover: &[String], title: Option<&str>, text: &str, squeezed: &str, regions: &RegionTable, units: &Units) -> Option<String> {
    let body = BOOK_TITLE.replace_all(text, "");
    // The org names of the body, counted when a rule needs them: the scan for every place name is
    // a good part of reading a report, and a name found in a field most often needs none.
    let orgs = std::cell::OnceCell::new();
    let orgs = || orgs.get_or_init(|| org_names(&body, regions, units));
    // The opening lines: the cover, or the first lines of a document without one.
    let opening: Vec<String> = cover
        .iter()
        .map(|l| unspaced(l))
        .chain(text.lines().take(40).map(unspaced))
        .filter(|l| !l.trim().is_empty())
        .collect();
    // A field naming the unit; the supervising department's (项目主管部门) only where no other
    // field does: a project table reports for the unit that carried the project out.
    let field_of = |supervisor: bool| {
        opening.iter().find_map(|l| {
            // A value set off by spaces alone must name its place ("实施单位 治安大队" is a part of
            // the unit, written in a table).
            units
                .cover_fields(l)
                .filter(|f| f.supervisor == supervisor && (!f.spaced || regions.leading_chain_len(units.without_party_prefix(f.value)) > 0))
                .map(|f| trim_org(f.value, units))
                .find(|v| v.chars().count() >= 3 && !is_report_word(v) && units.is_unit_name(v))
        })
    };
    let from_field = || field_of(false).or_else(|| field_of(true));
    let from_title = || title.map(squeeze).and_then(|t| unit_at_start(&t, units));
    let from_lines = || {
        let mut lines: Vec<String> = Vec::new();
        for l in opening.iter().map(|l| squeeze(l)) {
            // A cover that breaks the unit's name after its place ("舒城县" over "卫生健康委员会")
            // is read as one line.
            // So is a title broken inside the unit's name ("某市某区卫生健" over "康局2023年度…报告"):
            // a short line that opens with a place, is no name and no title itself, over a title.
            let broken = |head: &str| {
                regions.leading_chain_len(head) > 0 && head.chars().count() <= 24 && !head.contains("报告") && !units.is_unit_name(head) && l.contains("报告")
            };
            match lines.last_mut() {
                Some(place) if !place.is_empty() && regions.leading_chain_len(place) == place.len() => place.push_str(&l),
                Some(head) if broken(head) => head.push_str(&l),
                _ => lines.push(l),
            }
        }
        let attachment_list = lines.iter().filter(|l| ATTACHMENT_ITEM.is_match(l)).count() >= 2;
        lines
            .into_iter()
            .filter(|l| !(attachment_list && ATTACHMENT_ITEM.is_match(l)))
            .map(|l| l.trim_start_matches(['-', '•', '·', '*', '●']).to_string())
            // A title run into the body on one line (a document-sharing site's dump) is read up to
            // the 报告 that ends it.
            .filter_map(|l| match l.char_indices().nth(60) {
                None => Some(l),
                Some((cut, _)) => l[..cut].find("报告").map(|e| l[..e + "报告".len()].to_string()),
            })
            .filter(|l| !NOT_THE_UNIT.is_match(l))
            .find_map(|l| {
                let is_name_line = l.contains("报告") || l.contains("绩效") || l.contains("决算") || l.contains("预算") || l.ends_with(".pdf") || l.ends_with(".doc") || l.ends_with(".docx");
                let u = unit_at_start(&l, units)?;
                (is_name_line || u.len() == PAGE_LABEL.replace(&l, "").len()).then_some(u)
            })
    };
    // The signature line (落款) at the end: a line that is a unit's name alone, before the date. A
    // report that names itself only as 我院 or 我局 names itself there.
    let from_signature = || {
        let tail: Vec<String> = text.lines().map(squeeze).filter(|l| !l.is_empty()).collect::<Vec<_>>().into_iter().rev().take(8).collect();
        tail.iter().find_map(|l| {
            let l = l.trim_end_matches(|c: char| c == '（' || c == '(' || c == '）' || c == ')' || c == '盖' || c == '章');
            (units.is_unit_name(l) && !NOT_THE_UNIT.is_match(l) && !is_report_word(l) && l.chars().count() <= 40).then(|| l.to_string())
        })
    };
    // The unit a report introduces in its opening with the short name it goes on to use
    // ("某县供销合作社联合社（以下简称县供销社）是……"): the genre's way of naming itself.
    let from_introduction = || {
        let head: String = body.chars().take(800).collect();
        INTRODUCED.find_iter(&head).find_map(|m| {
            let clause = head[..m.start()].rsplit(['。', '；', ';', '，', ',', '\n', '：', ':']).next().unwrap_or("");
            let clause = squeeze(clause);
            clause.char_indices().map(|(i, _)| &clause[i..]).find(|rest| {
                let placed = regions.leading_chain_len(units.without_party_prefix(rest)) > 0;
                placed && units.is_unit_name(rest) && !NOT_THE_UNIT.is_match(rest) && !is_report_word(rest) && rest.chars().count() <= 40
            }).map(str::to_string)
        })
    };
    let from_charter = || {
        CHARTER.captures_iter(text).map(|c| c[1].to_string()).find(|name| units.is_unit_name(name) && !name.starts_with("关于") && !NOT_THE_UNIT.is_match(name))
    };
    let from_body = || {
        let most = |keep: &dyn Fn(&str) -> bool| {
            orgs()
                .iter()
                .filter(|(name, _)| keep(name))
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.len().cmp(&a.0.len())).then(b.0.cmp(a.0)))
                .map(|(name, _)| name.clone())
        };
        // A text that calls itself 我厅 is the 厅 it names, not the government it also names more.
        // The finance bureau it cites is its own name only when no other name has that ending.
        let own = units.self_reference_endings(&body).and_then(|endings| {
            let ends = |name: &str| endings.iter().any(|e| name.ends_with(e.as_str()));
            most(&|name: &str| ends(name) && !name.contains("财政")).or_else(|| most(&ends))
        });
        own.or_else(|| most(&|name: &str| units.is_admin(name) && !name.contains("财政")))
    };
    // A text that opens by naming itself without its place ("市卫生健康委以……"): that unit, written
    // out and placed in the city or county the text names most.
    let from_opening = || {
        // Line by line, so that a name opening a line counts as opening a sentence.
        let head: String = text.lines().map(squeeze).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n").chars().take(400).collect();
        let m = PLACELESS_UNIT.captures_iter(&head).find(|m| !units.runs_over_a_clause(&m[1]))?;
        let name = units.expand_short_form(&m[1]);
        let region = regions.most_named(text);
        let place = match name.chars().next()? {
            '市' => region
                .city
                .clone()
                .filter(|c| c.ends_with('市'))
                .or_else(|| region.province.clone().filter(|p| p.ends_with('市')))
                // A municipality of province rank the text writes by its short name ("健康北京").
                .or_else(|| (region.city.is_none() && region.province.is_none()).then(|| regions.municipality_named(text)).flatten()),
            '县' | '区' => region.county.clone().filter(|c| c.ends_with(name.chars().next().unwrap_or('县'))),
            '省' => region.province.clone().filter(|p| p.ends_with('省')),
            _ => None,
        }?;
        Some(format!("{place}{}", name.chars().skip(1).collect::<String>()))
    };
    let field = from_field();
    let in_field = field.is_some();
    let found = field.or_else(from_title).or_else(from_lines).or_else(from_introduction).or_else(from_signature).or_else(from_charter).or_else(from_body).or_else(from_opening)?;
    // Extend an abbreviation to the longest org name in the text that starts with it.
    let full = may_name_longer(&body, &found, regions, units)
        .then(|| {
            let orgs = orgs();
            orgs.keys().filter(|name| is_longer_form(name, &found)).max_by_key(|name| (orgs[*name], name.len())).cloned()
        })
        .flatten();
    let found = full.unwrap_or(found);
    // A name without its place ("县农业农村局", "林业局"): the place-named org of the body that ends
    // with it ("宁乡市农业农村局").
    let unplaced = regions.leading_chain_len(found.trim_start_matches("中共").trim_start_matches("共青团")) == 0 && !found.starts_with("中国共产党");
    let found = if unplaced {
        // The short forms people write (市文旅局, 县卫健委) stand for the official names.
        let expanded = units.expand_short_form(&found);
        let core = expanded.trim_start_matches(['省', '市', '县', '区', '州', '旗', '本']);
        orgs()
            .iter()
            .filter(|(name, _)| core.chars().count() >= 3 && name.ends_with(core) && regions.leading_chain_len(name) > 0)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(name, _)| name.clone())
            .unwrap_or(found)
    } else {
        found
    };
    // The name a cover field writes with its place stays as written: one unit, one name.
    if in_field && !unplaced {
        return Some(found);
    }
    let full = fullest_form(&found, squeezed, text, regions, units);
    // Still without a place: the place of the finance bureau whose notice the text cites.
    if unplaced && regions.leading_chain_len(&full) == 0 && !full.starts_with("中国共产党") {
        if let Some(placed) = placed_by_cited_notice(&units.expand_short_form(&full), text, regions) {
            return Some(placed);
        }
    }
    Some(full)
}

/// The fiscal year evaluated (not the year of filing).
/// `squeezed` is the report's text as `squeeze` returns it.
pub fn fiscal_year(cover: &[String], title: Option<&str>, squeezed: &str, m: &Metadata) -> Option<u16> {
    let mut score: HashMap<u16, u32> = HashMap::new();
    let mut add = |y: &str, w: u32| {
        if let Ok(y) = y.replace(['O', 'o'], "0").parse::<u16>() {
            if (1990..=2100).contains(&y) {
                *score.entry(y).or_insert(0) += w;
            }
        }
    };
    if let Some(t) = title {
        for c in YEAR_TITLE.captures_iter(&squeeze(t)) {
            add(&c[1], 50);
        }
    }
    let mut filing_years = Vec::new();
    for l in cover {
        let sq = squeeze(l);
        if let Some(c) = DATE_ONLY.captures(&sq) {
            filing_years.push(c[1].to_string());
            continue;
        }
        if m.filed.is_match(l) {
            if let Some(c) = YEAR_ANY.captures(&sq) {
                filing_years.push(c[1].to_string());
            }
            continue;
        }
        if sq.starts_with('(') || sq.starts_with('（') {
            for c in YEAR_TITLE.captures_iter(&sq) {
                add(&c[1], 40);
            }
        }
    }
    let body = BOOK_TITLE.replace_all(squeezed, "");
    for c in YEAR_EVALUATED.captures_iter(&body) {
        if let Some(y) = c.get(1).or_else(|| c.get(2)) {
            add(y.as_str(), 30);
        }
    }
    for c in YEAR_END.captures_iter(&body) {
        add(&c[1], 5);
    }
    for c in m.year_budget.captures_iter(&body) {
        add(&c[1], 3);
    }
    for c in YEAR_ANY.captures_iter(&body) {
        add(&c[1], 1);
    }
    // A filing date on the cover is not the year evaluated.
    for y in filing_years {
        if let Ok(y) = y.parse::<u16>() {
            if let Some(s) = score.get_mut(&y) {
                *s = s.saturating_sub(20);
            }
        }
    }
    let best = score.into_iter().filter(|(_, s)| *s > 0).max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0))).map(|(y, _)| y);
    // Nothing but a filing date ("填报日期:2021.5.18"): reports are filed the year after the one
    // they evaluate.
    best.or_else(|| {
        cover.iter().chain(std::iter::once(&squeezed.chars().take(600).collect::<String>())).find_map(|l| {
            let l = squeeze(l);
            let f = m.filed_in_text.captures(&l)?;
            f[1].parse::<u16>().ok().filter(|y| (1991..=2100).contains(y)).map(|y| y - 1)
        })
    })
}



/// The total self-evaluation score: a score stated in a conclusion section ("自评结论", "绩效自评结论"),
/// else one the text calls overall (整体/综合/本次…得分).
/// `text` as written (score tables need their tabs), `squeezed` as `squeeze` returns it.
pub fn total_score(conclusions: &[&str], text: &str, squeezed: &str, m: &Metadata) -> Option<f64> {
    let plausible = |v: &f64| *v > 0.0 && *v <= 110.0;
    let from_conclusion = conclusions.iter().find_map(|t| {
        let t = squeeze(t);
        let anchored = m.total_score.captures_iter(&t).filter_map(|c| c[1].parse::<f64>().ok()).find(plausible);
        anchored.or_else(|| m.conclusion_score.captures_iter(&t).filter_map(|c| c[1].parse::<f64>().ok()).find(|v| *v >= 30.0 && *v <= 110.0))
    });
    from_conclusion
        .or_else(|| m.total_score.captures_iter(squeezed).filter_map(|c| c[1].parse::<f64>().ok()).find(plausible))
        .or_else(|| m.table_total.captures_iter(text).filter_map(|c| c[1].parse::<f64>().ok()).find(|v| *v >= 30.0 && *v <= 110.0))
}

/// The grade a report states (合格 counts as 中, 不合格 as 差: `grade` in metadata.toml).
pub fn grade(squeezed: &str, m: &Metadata) -> Option<Grade> {
    m.grade(squeezed)
}

/// Department overall, project, or other, from the title and the opening of the text. A combined
/// 部门整体和项目支出 report is department_overall; a self-evaluation report that names no project
/// (单位…年度绩效自评报告, 预算绩效自评报告) is the unit's overall one; 决算 and budget disclosures are other.
pub fn kind(title: Option<&str>, cover: &[String], text: &str, m: &Metadata) -> Option<ReportKind> {
    /// What one line says of the kind, and how surely: an overall or project report named as such
    /// (strong), a disclosure that is no evaluation, or only "a self-evaluation report" (weak).
    #[derive(Clone, Copy, PartialEq)]
    enum Cue {
        Strong(ReportKind),
        Disclosure,
        Weak,
    }
    let w = &m.kind;
    let any = |s: &str, words: &[String]| words.iter().any(|x| s.contains(x.as_str()));
    let cue = |s: &str| -> Option<Cue> {
        let s = squeeze(s);
        let evaluation = any(&s, &w.evaluation);
        if any(&s, &w.overall) {
            Some(Cue::Strong(ReportKind::DepartmentOverall))
        } else if any(&s, &w.project_if_evaluation) && evaluation || any(&s, &w.project) || any(&s, &w.funds) && any(&s, &w.self_evaluation) {
            Some(Cue::Strong(ReportKind::Project))
        } else if any(&s, &w.disclosure) || any(&s, &w.disclosure_unless_evaluation) && !evaluation {
            Some(Cue::Disclosure)
        } else if evaluation && s.contains("报告") {
            Some(Cue::Weak)
        } else {
            None
        }
    };
    // The title, the cover, then the opening lines (and each with the line after it: a long title
    // breaks over two lines); a strong cue anywhere there wins over a weak one before it.
    let head: String = fold(text).chars().take(3000).collect();
    let opening: Vec<&str> = head.lines().map(str::trim).filter(|l| !l.is_empty()).take(12).collect();
    let mut lines: Vec<String> = title.into_iter().map(str::to_string).chain(cover.iter().cloned()).collect();
    // A numbered line is a chapter ("（一）项目支出自评情况"), not a title; a year is no number.
    let numbered = |l: &str| l.starts_with(|c: char| c.is_ascii_digit() || "（(一二三四五六七八九十第".contains(c)) && !YEAR_FIRST.is_match(l);
    for (i, l) in opening.iter().enumerate().filter(|(_, l)| l.chars().count() <= 80 && !numbered(l)) {
        lines.push(l.to_string());
        if let Some(next) = opening.get(i + 1).filter(|n| n.chars().count() <= 40) {
            lines.push(format!("{l}{next}"));
        }
    }
    // The document's name: its title, else the first line that says what it is. A name that names a
    // disclosure (部门决算公开) or ends like a notice (……工作的通知, ……结果的通报) is no report,
    // whatever its chapters say.
    // A line that is no title still names the document when it ends like a notice and speaks of
    // evaluation ("……绩效评价工作情况通报").
    let bare = |l: &str| squeeze(l).trim_end_matches(|c: char| !crate::text::is_han(c)).to_string();
    let ends_like_no_report = |name: &str| w.not_reports.iter().any(|e| name.ends_with(e.as_str()));
    let names_itself = |l: &&String| {
        let l = bare(l);
        cue(&l).is_some() || ends_like_no_report(&l) && (any(&l, &w.evaluation) || l.contains("绩效"))
    };
    let name = title.map(str::to_string).or_else(|| lines.iter().find(names_itself).cloned());
    if let Some(name) = name {
        let name = bare(&name);
        if cue(&name) == Some(Cue::Disclosure) || ends_like_no_report(&name) {
            return Some(ReportKind::Other);
        }
    }
    let cues: Vec<Cue> = lines.iter().filter_map(|l| cue(l)).collect();
    if let Some(Cue::Strong(k)) = cues.iter().find(|c| matches!(c, Cue::Strong(_))) {
        return Some(*k);
    }
    match cues.first() {
        Some(Cue::Disclosure) => return Some(ReportKind::Other),
        Some(Cue::Weak) => return Some(ReportKind::DepartmentOverall),
        _ => {}
    }
    // No line says: the chapters the text opens with (部门概况 or 项目概况) and the words it uses.
    let count = |words: &[String]| words.iter().map(|x| head.matches(x.as_str()).count()).sum::<usize>();
    let overall = count(&w.opening_overall);
    let project = count(&w.opening_project);
    let disclosure = count(&w.opening_disclosure);
    match (overall, project) {
        (0, 0) if disclosure == 0 && any(&head, &w.opening_self_evaluated) => Some(ReportKind::DepartmentOverall),
        (0, 0) => Some(ReportKind::Other),
        (o, p) if p > o => Some(ReportKind::Project),
        _ => Some(ReportKind::DepartmentOverall),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Domain;

    /// The built-in metadata words, with the functions that read them called as before.
    fn words() -> &'static Metadata {
        static M: LazyLock<Metadata> = LazyLock::new(|| Metadata::parse(include_str!("../../schema/metadata.toml")).unwrap());
        &M
    }
    fn fiscal_year(cover: &[String], title: Option<&str>, squeezed: &str) -> Option<u16> {
        super::fiscal_year(cover, title, squeezed, words())
    }
    fn total_score(conclusions: &[&str], text: &str, squeezed: &str) -> Option<f64> {
        super::total_score(conclusions, text, squeezed, words())
    }
    fn grade(squeezed: &str) -> Option<Grade> {
        super::grade(squeezed, words())
    }
    fn kind(title: Option<&str>, cover: &[String], text: &str) -> Option<ReportKind> {
        super::kind(title, cover, text, words())
    }

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_title_set_over_two_lines_is_joined() {
        let cover = lines(&["附件2", "2022年度义务教育薄弱环节改善项目", "支出绩效自评报告", "自评日期：2023年4月20日"]);
        assert_eq!(title(&cover).as_deref(), Some("2022年度义务教育薄弱环节改善项目支出绩效自评报告"));
        assert_eq!(fiscal_year(&cover, title(&cover).as_deref(), "2023年4月完成自评。"), Some(2022));
        assert_eq!(title(&lines(&["部门整体支出绩效自评报告"])).as_deref(), Some("部门整体支出绩效自评报告"));
    }

    #[test]
    fn page_chrome_is_never_part_of_a_name() {
        let d = Domain::builtin().unwrap();
        for opening in ["欢迎来到青山县人民医院", "欢迎访问青山县人民医院", "您现在的位置：青山县人民医院"] {
            let text = format!("{opening}\n2023年度部门整体支出绩效自评报告\n本院年初预算收入3000万元。");
            assert_eq!(department(&[], None, &text, d.regions().unwrap(), d.units().unwrap()).as_deref(), Some("青山县人民医院"), "{opening}");
        }
    }

    #[test]
    fn a_title_run_into_the_body_on_one_line_still_names_the_unit() {
        // A document-sharing site's dump: the file's name, then the whole text on one line.
        let d = Domain::builtin().unwrap();
        let body = "青山县水利工程调度中心 2022 年整体支出绩效自评总结报告 一 绩效管理工作开展情况。 我单位按照文件要求开展自评，对本单位整体支出绩效目标逐项打分，全年完成调度任务。";
        let text = format!("水利调度2022年自评报告.docx\n{body}");
        assert!(body.chars().count() > 60);
        assert_eq!(department(&[], None, &text, d.regions().unwrap(), d.units().unwrap()).as_deref(), Some("青山县水利工程调度中心"));
    }

    #[test]
    fn a_unit_written_without_its_place_takes_the_place_of_the_notice_it_cites() {
        let d = Domain::builtin().unwrap();
        let (regions, units) = (d.regions().unwrap(), d.units().unwrap());
        let cites = |issuer: &str| format!("按照《{issuer}关于开展2022年度预算绩效自评工作的通知》要求，我局对部门整体支出开展了自评。");
        let title = Some("县农业农村局2022年度部门整体支出绩效自评报告");
        assert_eq!(department(&[], title, &cites("平江县财政局"), regions, units).as_deref(), Some("平江县农业农村局"));
        // A notice of another level places nothing: the name stays as written.
        assert_eq!(department(&[], title, &cites("岳阳市财政局"), regions, units).as_deref(), Some("县农业农村局"));
        assert_eq!(department(&[], title, &cites("湖南省财政厅"), regions, units).as_deref(), Some("县农业农村局"));
        assert_eq!(placed_by_cited_notice("县人民医院", &cites("平江县财政局"), regions).as_deref(), Some("平江县人民医院"));
    }

    #[test]
    fn a_unit_that_calls_itself_our_bureau_is_named_by_its_charter() {
        // Our wording: a 厅 that writes itself 我厅 and cites the body that issued its charter, which
        // the text names more often than itself.
        let d = Domain::builtin().unwrap();
        let text = "按照省财政厅的通知要求，我厅开展了2022年度部门预算绩效自评。\n一、部门概况\n据江西省委办公厅、江西省人民政府办公厅印发的《江西省林业厅职能配置、内设机构和人员编制规定》，我厅主要职责如下。\n江西省委办公厅另有安排。";
        assert_eq!(department(&[], None, text, d.regions().unwrap(), d.units().unwrap()).as_deref(), Some("江西省林业厅"));
    }

    #[test]
    fn a_page_that_lists_other_reports_as_attachments_is_signed_by_its_own_unit() {
        // Our wording: a finance bureau publishes evaluation reports of others as attachments.
        let d = Domain::builtin().unwrap();
        let text = "我局委托第三方机构对2022年市级项目开展了绩效评价，现将评价报告公开。\n附件：\n附件1：2022年度青山镇农贸市场改造项目绩效评价报告.pdf\n附件2：2022年度洛阳市文化馆部门整体支出绩效评价报告.pdf\n附件3：洛阳市公安局交通警察支队部门整体支出绩效评价报告.pdf\n洛阳市财政局\n2023年11月20日";
        assert_eq!(department(&[], None, text, d.regions().unwrap(), d.units().unwrap()).as_deref(), Some("洛阳市财政局"));
        // One attachment alone is the report itself.
        let one = "附件1：洛阳市文化广电和旅游局2022年度部门整体支出绩效自评报告\n一、部门基本情况\n本局共有职工20人。";
        assert_eq!(department(&[], None, one, d.regions().unwrap(), d.units().unwrap()).as_deref(), Some("洛阳市文化广电和旅游局"));
    }

    #[test]
    fn department_from_cover_field_title_or_body() {
        let d = Domain::builtin().unwrap();
        let cover = lines(&["部门整体支出绩效自评报告", "部门名称（公章）：广州市海珠区教育局"]);
        assert_eq!(department(&cover, None, "", d.regions().unwrap(), d.units().unwrap()).as_deref(), Some("广州市海珠区教育局"));
        let text = "绍兴市水利局是主管全市水利工作的市政府工作部门。绍兴市水利局负责……";
        assert_eq!(
            department(&[], Some("绍兴市水利局2023年度部门整体支出绩效自评报告"), text, d.regions().unwrap(), d.units().unwrap()).as_deref(),
            Some("绍兴市水利局")
        );
        let text = "平江县教育体育委员会是县政府组成部门。平江县教育体育委员会下属学校30所。";
        assert_eq!(department(&[], Some("平江县教育体育委部门整体支出绩效自评报告"), text, d.regions().unwrap(), d.units().unwrap()).as_deref(), Some("平江县教育体育委员会"));
        let text = "我局负责全县农业农村工作。宁乡市农业农村局下设事业单位6个。";
        assert_eq!(department(&[], Some("县农业农村局2023年度部门整体支出绩效自评报告"), text, d.regions().unwrap(), d.units().unwrap()).as_deref(), Some("宁乡市农业农村局"));
        let text = "根据《某某文件》，洛阳市公安局认真开展自评。洛阳市公安局全年支出……洛阳市人民医院协助。";
        assert_eq!(department(&[], None, text, d.regions().unwrap(), d.units().unwrap()).as_deref(), Some("洛阳市公安局"));
    }

    #[test]
    fn fiscal_year_is_the_year_evaluated_not_the_filing_year() {
        let cover = lines(&["部门整体支出绩效自评报告", "填报日期：2023年4月", "2023 年"]);
        let text = "2022年，我局预算执行良好。截至2022年12月31日，资产总额……根据《关于做好2023年绩效自评的通知》";
        assert_eq!(fiscal_year(&cover, None, text), Some(2022));
        assert_eq!(fiscal_year(&lines(&["(2019 年度)"]), None, "2020年计划"), Some(2019));
        // A letter O recognised for a zero in the title's year.
        assert_eq!(fiscal_year(&[], Some("某县水利局2O23年度部门整体支出绩效自评报告"), ""), Some(2023));
        assert_eq!(fiscal_year(&[], Some("2021年度部门整体支出绩效自评报告"), "2022年工作计划"), Some(2021));
        assert_eq!(fiscal_year(&[], None, "没有年份"), None);
    }

    #[test]
    fn total_score_grade_and_kind() {
        assert_eq!(total_score(&[], "", "指标分值18分，自评得分17分。我单位部门整体绩效综合评分为91.5分。"), Some(91.5));
        assert_eq!(total_score(&[], "", &squeeze("该指标总分 7 分，实际得分 5 分。")), None);
        assert_eq!(total_score(&["本项目2023年度绩效自评得分为82分，评价等级为中。"], "", "指标得分5分"), Some(82.0));
        assert_eq!(grade("本次自评得分为88.17分，评价等级为“良”。"), Some(Grade::Good));
        assert_eq!(grade("自评等次：优秀"), Some(Grade::Excellent));
        assert_eq!(grade("无等级"), None);
        assert_eq!(grade("本次绩效自评结果为“良好”。"), Some(Grade::Good));
        assert_eq!(total_score(&["经逐项打分，自评总分为93分。"], "", ""), Some(93.0));
        assert_eq!(total_score(&[], "附件 评分表\n指标\t分值\t得分\n合计\t100\t527,711\n综合评分\t\t\t91.5\n", ""), Some(91.5));
        assert_eq!(kind(Some("2023年度项目支出绩效自评报告"), &[], ""), Some(ReportKind::Project));
        assert_eq!(kind(None, &[], "部门整体支出情况"), Some(ReportKind::DepartmentOverall));
    }

    #[test]
    fn units_of_every_kind_are_found() {
        let d = Domain::builtin().unwrap();
        let r = d.regions().unwrap();
        let u = d.units().unwrap();
        let dep = |cover: &[&str], text: &str| department(&lines(cover), title(&lines(cover)).as_deref(), text, r, u);
        // Party organs, mass organisations, courts, townships, schools (names invented for the test
        // on real places).
        assert_eq!(dep(&["中共桐庐县委组织部", "2023年度部门整体支出绩效自评报告"], "").as_deref(), Some("中共桐庐县委组织部"));
        assert_eq!(dep(&["2022年度平遥县总工会部门整体支出绩效自评报告"], "").as_deref(), Some("平遥县总工会"));
        assert_eq!(dep(&["评价单位：临安区人民法院", "2022年度部门整体支出绩效自评报告"], "").as_deref(), Some("临安区人民法院"));
        assert_eq!(dep(&["单位名称:  城关镇政府      填报日期:2023.4.2"], "城关镇人民政府全年支出…").as_deref(), Some("城关镇人民政府"));
        assert_eq!(dep(&["平遥县第二中学2023年度部门整体支出绩效自评报告"], "").as_deref(), Some("平遥县第二中学"));
        // A 关于…的报告 title names its unit after 关于; the body's lead-in (现将我馆…) is no name.
        assert_eq!(dep(&["关于平遥县档案馆2023年度部门整体支出绩效自评的报告", "县财政局：", "现将我馆自评情况报告如下。"], "").as_deref(), Some("平遥县档案馆"));
        assert_eq!(dep(&["县财政局：", "现将我馆自评情况报告如下。"], "").as_deref(), None);
        // A title broken inside the unit's name is read as one line.
        assert_eq!(dep(&["平遥县卫生健", "康局2023年度部门整体支出绩效自评报告"], "").as_deref(), Some("平遥县卫生健康局"));
        // The finance bureau that published the page is not the unit.
        assert_eq!(dep(&["来源:桐庐县财政局", "桐庐县红十字会", "2022年度部门决算"], "").as_deref(), Some("桐庐县红十字会"));
        // A sentence saying what the unit is, or a site's sponsor line, is no part of a name.
        assert_eq!(dep(&["桐庐县委宣传部2023年度部门整体支出绩效自评报告"], "中共桐庐县委宣传部是县委主管宣传工作的部门。").as_deref(), Some("中共桐庐县委宣传部"));
        assert_eq!(dep(&["桐庐县人民政府主办 桐庐县人民政府办公室承办", "部门整体支出绩效自评报告"], "我局负责全县应急管理工作。桐庐县应急管理局内设股室5个。").as_deref(), Some("桐庐县应急管理局"));
        // A cover that breaks the name after its place is read as one name.
        assert_eq!(dep(&["平遥县", "文化和旅游局", "2023年度部门整体支出", "绩效自评报告"], "").as_deref(), Some("平遥县文化和旅游局"));
        // A template placeholder is no unit.
        assert_eq!(dep(&["单位名称:浙江省 XXX 厅", "桐庐县图书馆2021年度决算公开"], "").as_deref(), Some("桐庐县图书馆"));
    }

    #[test]
    fn names_are_given_in_the_fullest_form_the_text_writes() {
        let d = Domain::builtin().unwrap();
        let r = d.regions().unwrap();
        let u = d.units().unwrap();
        let text = "杭州市临安区农业农村局是区政府工作部门。临安区农业农村局全年……";
        assert_eq!(department(&[], Some("临安区农业农村局2022年度部门整体支出绩效自评报告"), text, r, u).as_deref(), Some("杭州市临安区农业农村局"));
        let text = "中共浙江省委统战部全年……省委统战部机关……";
        assert_eq!(
            department(&[], Some("市委政法委2024年度部门整体支出绩效自评报告"), "中国共产党桐庐县委员会政法委员会（以下简称县委政法委）……", r, u).as_deref(),
            Some("中国共产党桐庐县委员会政法委员会")
        );
        assert_eq!(department(&[], Some("省委统战部2023年度部门整体支出绩效自评报告"), text, r, u).as_deref(), Some("中共浙江省委统战部"));
    }

    #[test]
    fn kinds_of_combined_unnamed_and_disclosure_reports() {
        assert_eq!(kind(Some("县委办2024年度部门整体和项目支出绩效自评报告"), &[], ""), Some(ReportKind::DepartmentOverall));
        assert_eq!(kind(Some("城关镇人民政府2024年度绩效自评报告"), &[], ""), Some(ReportKind::DepartmentOverall));
        assert_eq!(kind(Some("2021年度部门决算公开"), &[], ""), Some(ReportKind::Other));
        assert_eq!(kind(Some("2022年度中央农业转移支付资金绩效自评报告"), &[], ""), Some(ReportKind::Project));
        // A strong cue after a weak one wins; a title broken over two lines is read whole.
        assert_eq!(kind(None, &[], "政务公开 | 绩效自评报告 | 2024-03-26\n某县实验小学2023年度项目支出绩效自评报告\n一、自评结论"), Some(ReportKind::Project));
        assert_eq!(kind(None, &[], "某县2023年度农田水利建设资金\n绩效自评报告\n一、基本情况"), Some(ReportKind::Project));
        assert_eq!(kind(Some("某厅2020年部门预算绩效自评公开报告"), &[], "2020年度部门整体支出\n绩效自评报告"), Some(ReportKind::DepartmentOverall));
        assert_eq!(kind(Some("某区文化旅游局2023年度整体（项目）支出绩效自评"), &[], ""), Some(ReportKind::DepartmentOverall));
        assert_eq!(kind(Some("某县林业局2019年护林员补助经费的绩效自评报告"), &[], ""), Some(ReportKind::Project));
        // A document named as a notice, a circular or a target form is no report, though it speaks
        // of self-evaluations; so is a disclosure whose chapters mention project self-evaluations.
        assert_eq!(kind(None, &[], "某县财政局关于开展2023年度部门整体支出绩效自评工作的通知\n各预算单位：\n一、自评范围"), Some(ReportKind::Other));
        assert_eq!(kind(None, &[], "某市财政局关于2022年度部门整体支出绩效评价结果的通报\n一、评价结果"), Some(ReportKind::Other));
        assert_eq!(kind(None, &[], "2024年度部门整体支出绩效目标申报表\n部门名称：某县档案馆"), Some(ReportKind::Other));
        assert_eq!(kind(None, &[], "某县档案馆2023年度部门决算公开说明\n五、预算绩效情况说明\n本部门对项目支出开展了绩效自评。"), Some(ReportKind::Other));
        // A report about such a notice is still a report.
        assert_eq!(kind(None, &[], "关于2023年度部门整体支出绩效自评情况的报告\n根据《关于开展绩效自评工作的通知》要求"), Some(ReportKind::DepartmentOverall));
    }

    #[test]
    fn a_filing_date_alone_gives_the_year_before() {
        assert_eq!(fiscal_year(&lines(&["单位名称:城关镇政府 填报日期:2021.5.18"]), None, "单位名称:城关镇政府填报日期:2021.5.18"), Some(2020));
        assert_eq!(fiscal_year(&[], None, "关于开展2017年度市级部门整体支出自我绩效评价的通知（某财评[2018]20号）"), Some(2017));
    }

    #[test]
    fn short_forms_and_units_named_by_level_alone_are_written_out() {
        let d = Domain::builtin().unwrap();
        let r = d.regions().unwrap();
        let u = d.units().unwrap();
        let text = "宣城市文化和旅游局负责全市文化和旅游工作。宣城市文化和旅游局下设……";
        assert_eq!(department(&[], Some("市文旅局2023年部门整体支出绩效自评报告"), text, r, u).as_deref(), Some("宣城市文化和旅游局"));
        let text = "根据有关要求，现将情况报告如下。2023年，市卫生健康委紧紧围绕杭州市卫生健康事业发展目标，在杭州市各区开展工作。";
        assert_eq!(department(&[], None, text, r, u).as_deref(), Some("杭州市卫生健康委员会"));
        // A municipality of province rank written by its short name in the text.
        let text = "按照通知要求，现将有关情况报告如下。2023年，市生态环境局围绕美丽上海建设目标，推进上海大气污染防治工作。";
        assert_eq!(department(&[], None, text, r, u).as_deref(), Some("上海市生态环境局"));
    }
}
