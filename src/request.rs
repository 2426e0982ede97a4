//! Requests: what a page or an API call asks for, as it arrives (form and query parameters), and
//! the typed filters of the query layer built from it. The pages render links from the same types,
//! so a link and the handler that answers it agree on every parameter.

use crate::model::{Category, ReportKind, YearRange};
use crate::query::Filters;
use crate::schema::Domain;

/// Hits per page, and the last page a search may ask for (the rest is reached by narrowing, or by
/// exporting).
pub const PER_PAGE: usize = 20;
pub const MAX_PAGE: usize = 250;
/// `path?k=v&…` with the values percent-encoded; empty values are left out.
pub fn url(path: &str, params: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = params.iter().filter(|(_, v)| !v.is_empty()).copied().collect();
    if kept.is_empty() {
        return path.to_string();
    }
    format!("{path}?{}", serde_urlencoded::to_string(&kept).unwrap_or_default())
}

/// The values of a parameter that may hold several ("2022,2023": any of them), either comma,
/// blanks and empty parts dropped.
pub fn values(param: &str) -> Vec<&str> {
    param.split([',', '，']).map(str::trim).filter(|v| !v.is_empty()).collect()
}

/// The search form, filters and facets as the page received them. A filter parameter may hold
/// several values, separated by commas: a section passes when it has one of them.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub dept: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub theme: String,
    #[serde(default, deserialize_with = "whole_number")]
    pub page: Option<usize>,
}

/// A whole number from a query string, also where serde reads the field as text (inside
/// `#[serde(flatten)]`, as the API's parameters are); empty is none.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(usize),
        Text(String),
    }
    match <Option<Raw> as serde::Deserialize>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Raw::Text(t)) => t.trim().parse().map(Some).map_err(|_| serde::de::Error::custom(format!("“{t}”不是整数"))),
    }
}

impl SearchParams {
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", self.q.clone()),
            ("year", self.year.clone()),
            ("dept", self.dept.clone()),
            ("region", self.region.clone()),
            ("kind", self.kind.clone()),
            ("category", self.category.clone()),
            ("theme", self.theme.clone()),
        ]
    }
    /// This search with `value` added to `key`'s values, or taken out when it is one of them (a
    /// facet's value clicked), back on the first page.
    pub fn toggled(&self, path: &str, key: &str, value: &str) -> String {
        let current = self.pairs().into_iter().find(|(k, _)| *k == key).map(|(_, v)| v).unwrap_or_default();
        let mut list: Vec<&str> = values(&current);
        match list.iter().position(|v| *v == value) {
            Some(i) => {
                list.remove(i);
            }
            None => list.push(value),
        }
        self.with(path, key, &list.join(","))
    }
    /// This search with `key` set to `value` (empty: removed), back on the first page.
    pub fn with(&self, path: &str, key: &str, value: &str) -> String {
        let pairs: Vec<(&str, String)> = self.pairs().into_iter().map(|(k, v)| if k == key { (k, value.to_string()) } else { (k, v) }).collect();
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        url(path, &refs)
    }
    pub fn page_url(&self, page: usize) -> String {
        let mut pairs = self.pairs();
        let p = page.to_string();
        pairs.push(("page", if page > 1 { p } else { String::new() }));
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        url("/", &refs)
    }
}

/// The metrics page's form values.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct MetricParams {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub below: String,
    #[serde(default)]
    pub above: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub dept: String,
    #[serde(default, deserialize_with = "whole_number")]
    pub page: Option<usize>,
}

/// Rows on one page of the metrics table.
pub const METRIC_ROWS_PER_PAGE: usize = 200;

impl MetricParams {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![("name", self.name.clone()), ("below", self.below.clone()), ("above", self.above.clone()), ("year", self.year.clone()), ("dept", self.dept.clone())]
    }
    /// This table on `page` (the first without a page parameter).
    pub fn page_url(&self, page: usize) -> String {
        let mut pairs = self.pairs();
        pairs.push(("page", if page > 1 { page.to_string() } else { String::new() }));
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        url("/metrics", &refs)
    }
    /// The whole table (every page) as a file: `metrics.csv` or `metrics.xlsx`.
    pub fn export_url(&self, file: &str) -> String {
        let pairs = self.pairs();
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        url(&format!("/metrics/{file}"), &refs)
    }
}

/// The filters of a search page or API call, checked (each parameter may list several values).
pub fn filters_of(p: &SearchParams, domain: &Domain) -> std::result::Result<Filters, String> {
    let mut f = Filters::default();
    for y in values(&p.year) {
        f.years.push(y.parse::<YearRange>().map_err(|_| format!("“{y}”不是年度：请写一个年份（2023）或一个范围（2022..2024、2022..、..2024），多个用逗号分隔"))?);
    }
    for k in values(&p.kind) {
        f.kinds.push(ReportKind::parse(k).ok_or_else(|| format!("未知的报告类型“{k}”：应为 department_overall（部门整体支出）或 project（项目支出）"))?);
    }
    for c in values(&p.category) {
        f.categories.push(Category::parse(c).ok_or_else(|| format!("未知的章节类别“{c}”：可选 {}", Category::ALL.map(|c| c.as_str()).join("、")))?);
    }
    for t in values(&p.theme) {
        let known = |t: &crate::schema::Theme| format!("{}（{}）", t.label, t.id.0);
        let theme = domain.themes.resolve(t).map_err(|_| format!("未知的问题主题“{t}”。可选：{}", domain.themes.list.iter().map(known).collect::<Vec<_>>().join("、")))?;
        f.themes.push(theme.id.0.clone());
    }
    f.departments = values(&p.dept).into_iter().map(str::to_string).collect();
    f.regions = values(&p.region).into_iter().map(str::to_string).collect();
    Ok(f)
}
