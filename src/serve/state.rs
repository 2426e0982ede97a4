//! The server's state: the data directory, the schema, and the index as last opened with what is
//! computed over the whole collection, valid until the index changes.

use crate::analysis::problems;
use crate::schema::Domain;
use crate::index::{ReportDoc, SearchIndex};
use crate::model::Category;
use crate::output::web::Frame;
use crate::query::{facets::Facets, Filters, Searching};
use crate::store::DataDir;
use crate::units::{Aliases, Registry, ALIASES_FILE};
use anyhow::Result;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

/// The index as last opened, with what is computed over the whole collection, valid until the
/// index changes.
pub(super) struct Snapshot {
    pub(super) index: Arc<SearchIndex>,
    pub(super) stamp: Option<(SystemTime, u64)>,
    /// When the data directory's aliases file last changed (`units`), and what it says.
    pub(super) aliases_stamp: Option<SystemTime>,
    pub(super) aliases: Aliases,
    pub(super) units: OnceLock<Registry>,
    pub(super) reports: OnceLock<Arc<Vec<ReportDoc>>>,
    pub(super) problems: OnceLock<Arc<(problems::YearMatrix, Vec<problems::ThemeRow>)>>,
    pub(super) clusters: OnceLock<Arc<Vec<problems::Cluster>>>,
    /// The facets of everything (the landing page).
    pub(super) all_facets: OnceLock<Facets>,
    /// Each theme's departments, as asked for.
    pub(super) themes: Mutex<std::collections::HashMap<String, Arc<Vec<problems::DepartmentRow>>>>,
}

pub(super) struct App {
    pub(super) data: DataDir,
    pub(super) domain: Arc<Domain>,
    pub(super) allow_ingest: bool,
    pub(super) snapshot: Mutex<Option<Arc<Snapshot>>>,
    /// One upload is ingested at a time (the data directory has one writer).
    pub(super) ingesting: Mutex<()>,
    /// Uploads being received at once (each streams to a file; others wait their turn).
    pub(super) receiving: tokio::sync::Semaphore,
    /// The address the server listens on, as given (`--host`): a Host header must name it.
    pub(super) bound_host: String,
    /// The token the upload page carries and an upload must send back (`guard`).
    pub(super) token: String,
}

/// The time and size of the index's list of segments: it changes with every commit.
pub(super) fn index_stamp(data: &DataDir) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(data.search().join("meta.json")).ok()?;
    Some((m.modified().ok()?, m.len()))
}

impl App {
    pub(super) fn snapshot(&self) -> Result<Arc<Snapshot>> {
        let stamp = index_stamp(&self.data);
        let aliases_stamp = std::fs::metadata(self.data.root.join(ALIASES_FILE)).and_then(|m| m.modified()).ok();
        let mut held = self.snapshot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = held.as_ref().filter(|s| s.stamp == stamp && s.aliases_stamp == aliases_stamp) {
            return Ok(s.clone());
        }
        let index = SearchIndex::open(&self.data.search(), &self.domain.userdict, crate::index::Mode::Read)?;
        let aliases = Aliases::load(&self.data.root)?;
        let s = Arc::new(Snapshot { index: Arc::new(index), stamp, aliases_stamp, aliases, units: OnceLock::new(), reports: OnceLock::new(),
            problems: OnceLock::new(),
            clusters: OnceLock::new(),
            all_facets: OnceLock::new(),
            themes: Mutex::new(Default::default()),
        });
        *held = Some(s.clone());
        // What the problems and department pages compute over the whole collection is prepared
        // now, off the request, so the first visitor does not wait for it.
        let (warm, domain) = (s.clone(), self.domain.clone());
        std::thread::spawn(move || {
            let _ = warm.reports();
            let _ = warm.problems(&domain);
            for t in &domain.themes.list {
                let _ = warm.theme_rows(&domain, &t.id.0);
            }
            let _ = warm.clusters(&domain);
        });
        Ok(s)
    }

    pub(super) fn frame(&self, snap: Option<&Snapshot>) -> Frame {
        let reports = snap.and_then(|s| s.index.count_term(s.index.fields.doc_type, crate::index::DOC_REPORT).ok()).unwrap_or(0);
        Frame { allow_ingest: self.allow_ingest, reports, token: self.allow_ingest.then(|| self.token.clone()) }
    }
}

impl Snapshot {
    pub(super) fn searching<'a>(&'a self, domain: &'a Domain) -> Searching<'a> {
        Searching { index: &self.index, domain, units: self.units(domain).ok() }
    }
    /// The collection's units: its department names grouped, with the user's merges and splits.
    pub(super) fn units(&self, domain: &Domain) -> Result<&Registry> {
        if let Some(u) = self.units.get() {
            return Ok(u);
        }
        let built = Registry::build(&self.index.report_departments()?, domain.units()?, domain.regions()?, &self.aliases);
        Ok(self.units.get_or_init(|| built))
    }
    pub(super) fn reports(&self) -> Result<Arc<Vec<ReportDoc>>> {
        if let Some(r) = self.reports.get() {
            return Ok(r.clone());
        }
        let r = Arc::new(self.index.reports()?);
        Ok(self.reports.get_or_init(|| r).clone())
    }
    pub(super) fn problems(&self, domain: &Domain) -> Result<Arc<(problems::YearMatrix, Vec<problems::ThemeRow>)>> {
        if let Some(p) = self.problems.get() {
            return Ok(p.clone());
        }
        let docs = self.searching(domain).all_docs_as(None, &Filters { categories: vec![Category::Problems], ..Filters::default() }, problems::for_tables)?;
        let p = Arc::new((problems::by_year(&docs, &domain.themes, self.units(domain)?), problems::by_theme(&docs, &domain.themes, self.units(domain)?, 1)));
        Ok(self.problems.get_or_init(|| p).clone())
    }
    /// One theme's departments with their years and copied-forward years (`problems --theme`).
    pub(super) fn theme_rows(&self, domain: &Domain, theme: &str) -> Result<Arc<Vec<problems::DepartmentRow>>> {
        if let Some(rows) = self.themes.lock().unwrap_or_else(|p| p.into_inner()).get(theme) {
            return Ok(rows.clone());
        }
        let f = Filters { categories: vec![Category::Problems], themes: vec![theme.to_string()], ..Filters::default() };
        let docs = self.searching(domain).all_docs(None, &f)?;
        let refs: Vec<_> = docs.iter().collect();
        let rows = Arc::new(problems::by_department(&refs, domain, self.units(domain)?, 1));
        self.themes.lock().unwrap_or_else(|p| p.into_inner()).insert(theme.to_string(), rows.clone());
        Ok(rows)
    }
    pub(super) fn clusters(&self, domain: &Domain) -> Result<Arc<Vec<problems::Cluster>>> {
        if let Some(c) = self.clusters.get() {
            return Ok(c.clone());
        }
        // Discovery reads the statements no theme names: whole sections.
        let docs = self.searching(domain).all_docs(None, &Filters { categories: vec![Category::Problems], ..Filters::default() })?;
        let c = Arc::new(problems::discover(&docs, domain, self.units(domain)?));
        Ok(self.clusters.get_or_init(|| c).clone())
    }
}

