//! jixiao-bench: generates a synthetic corpus and measures jixiao against baselines measured in the
//! same run on the same machine (the machines are shared and noisy, so ratios, not absolute times).
//!
//!   jixiao-bench gen --reports 10000 --out DIR     write a corpus
//!   jixiao-bench run --reports 10000               generate, ingest, search, analyse; print the table
//!
//! `run` needs the release `jixiao` binary beside it and `rg` (ripgrep) on the PATH for the search
//! baseline.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use jixiao::schema::Domain;
use jixiao::index::analyzer;
use jixiao::query::{Filters, Searching};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Benchmarks for jixiao")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write a synthetic corpus.
    Gen {
        #[arg(long, default_value_t = 1000)]
        reports: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// With the layout mess of real files (tables of contents, mixed and restarted numbering).
        #[arg(long)]
        messy: bool,
    },
    /// Run the whole benchmark and print the table.
    Run {
        #[arg(long, default_value_t = 2000)]
        reports: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Work folder (default: a temporary folder, removed afterwards).
        #[arg(long)]
        work: Option<PathBuf>,
        /// Repetitions of each query.
        #[arg(long, default_value_t = 5)]
        repeat: usize,
        /// Another jixiao binary (e.g. a release built from an earlier commit) whose ingest of the
        /// same corpus is timed in the same run, as the baseline of the ingest speed-up.
        #[arg(long)]
        baseline_bin: Option<PathBuf>,
        /// Ingests of the corpus timed, alternating with the baseline's (the median counts).
        #[arg(long, default_value_t = 1)]
        ingest_rounds: usize,
    },
    /// Bare jieba throughput on a corpus folder, two threads (the baseline of `run`).
    #[command(hide = true)]
    Jieba {
        #[arg(long)]
        corpus: PathBuf,
    },
    /// Precision and recall of theme tagging on a generated sample whose problem themes are known.
    Themes {
        #[arg(long, default_value_t = 2000)]
        reports: usize,
        #[arg(long, default_value_t = 3)]
        seed: u64,
    },
    /// Theme tagging on labelled statements (JSON Lines of {"text", "themes", "kind"}): precision,
    /// recall and negatives tagged, over all themes and per theme.
    Statements {
        #[arg(long)]
        statements: PathBuf,
    },
    /// Similar weaknesses on labelled statements (JSON Lines of {"text", "themes"}): each statement
    /// as a query against all the others (or against the statements of `--against`); the share of
    /// the top-1 and top-3 hits that carry a label of the query, for a bare character-bigram TF-IDF
    /// cosine, the word cosine alone, and `statement_similarity`; and the best any measure could
    /// reach (a query with fewer than three fellows in the collection cannot fill its top three).
    Similar {
        #[arg(long)]
        statements: PathBuf,
        /// The collection the queries are run against, when not the statements themselves.
        #[arg(long)]
        against: Option<PathBuf>,
        /// Read an analyst's "other:名称" label as the themes the tagger gives that name (a label
        /// the tagger places nowhere stays a label of its own).
        #[arg(long)]
        map_other: bool,
    },
    /// Time each pattern of the theme schema over a file of statements (one per line), slowest
    /// first: which entries a tagging slowdown comes from.
    Patterns {
        #[arg(long)]
        statements: PathBuf,
        #[arg(long, default_value_t = 15)]
        top: usize,
    },
    /// In-process latency of each typical query on an existing data directory.
    Query {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value_t = 20)]
        repeat: usize,
        /// Time only the search, not the browser app's facet counts.
        #[arg(long)]
        no_facets: bool,
        /// These queries instead of the typical ones.
        queries: Vec<String>,
    },
}

/// Typical queries: indicator names, problems as users type them, phrases, filters.
const QUERIES: [&str; 15] = [
    "政府采购执行率",
    "预算执行率",
    "采购执行率低",
    "人才短缺",
    "信息化",
    "结转结余",
    "编外人员",
    "满意度调查",
    "项目建设进度滞后",
    "资金拨付不及时",
    "预算编制不够精准",
    "内控制度",
    "三公经费",
    "绩效目标",
    "资产管理",
];

fn gen(reports: usize, seed: u64, out: &Path, messy: bool) -> Result<u64> {
    let domain = Domain::builtin()?;
    std::fs::create_dir_all(out)?;
    let mut bytes = 0u64;
    let generator = jixiao::synth::Generator::new(seed, domain.regions()?);
    let mut generator = if messy { generator.messy() } else { generator };
    for (i, r) in generator.generate(reports).into_iter().enumerate() {
        // 100 files a folder, as users keep them.
        let dir = out.join(format!("{:04}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&dir)?;
        }
        bytes += r.text.len() as u64;
        std::fs::write(dir.join(r.file_name), r.text)?;
    }
    Ok(bytes)
}

/// Runs a command to completion; returns wall time and peak RSS in bytes (from wait4's rusage).
fn measure(cmd: &mut Command) -> Result<(Duration, u64, bool)> {
    let t0 = Instant::now();
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().with_context(|| format!("cannot start {}", cmd.get_program().to_string_lossy()))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills; pid is our own child, waited for once.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let dt = t0.elapsed();
    if r < 0 {
        bail!("wait4 failed");
    }
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1;
    Ok((dt, usage.ru_maxrss as u64 * 1024, ok))
}

/// This process's resident memory now, in bytes.
fn own_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()).unwrap_or(0) * 1024
}

fn dir_size(p: &Path) -> u64 {
    walkdir::WalkDir::new(p).into_iter().flatten().filter(|e| e.file_type().is_file()).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Raw jieba throughput on every file of `corpus`, printed in MB/s.
fn jieba_of_corpus(corpus: &Path) -> Result<()> {
    let texts: Vec<String> = walkdir::WalkDir::new(corpus)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| std::fs::read_to_string(e.path()))
        .collect::<std::io::Result<_>>()?;
    println!("{:.2}", jieba_baseline(&texts, 2, &Domain::builtin()?.userdict));
    Ok(())
}

fn jieba_baseline(texts: &[String], threads: usize, userdict: &str) -> f64 {
    let jieba = analyzer::jieba(userdict);
    // Load the dictionary before the clock starts.
    jieba.cut("预热", false);
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for k in 0..threads {
            let jieba = jieba.clone();
            s.spawn(move || {
                let mut n = 0usize;
                for t in texts.iter().skip(k).step_by(threads) {
                    n += jieba.cut(t, false).len();
                }
                n
            });
        }
    });
    bytes as f64 / t0.elapsed().as_secs_f64() / 1e6
}

struct Row {
    what: String,
    value: String,
    baseline: String,
    ratio: String,
    target: String,
}

fn row(what: &str, value: String, baseline: String, ratio: String, target: &str) -> Row {
    Row { what: what.into(), value, baseline, ratio, target: target.into() }
}

fn run(reports: usize, seed: u64, work: Option<PathBuf>, repeat: usize, baseline_bin: Option<&Path>, ingest_rounds: usize) -> Result<()> {
    let tmp;
    let work = match work {
        Some(w) => w,
        None => {
            tmp = tempfile::TempDir::new()?;
            tmp.path().to_path_buf()
        }
    };
    let bin = std::env::current_exe()?.with_file_name("jixiao");
    if !bin.exists() {
        bail!("{} not found: build it first (cargo build --release)", bin.display());
    }
    // Checked before minutes of ingest: the search baseline needs ripgrep.
    if Command::new("rg").arg("--version").stdout(Stdio::null()).status().is_err() {
        bail!("rg (ripgrep) not found: the search baseline needs it (Debian: apt-get install ripgrep)");
    }
    let corpus = work.join("corpus");
    let data = work.join("data");
    let _ = std::fs::remove_dir_all(&corpus);
    let _ = std::fs::remove_dir_all(&data);
    eprintln!("generating {reports} reports …");
    // In a child, like the jieba baseline below: the generator holds the whole corpus in memory,
    // and a child's peak RSS (wait4) starts from what its parent held when it was started.
    let out = Command::new(std::env::current_exe()?).args(["gen", "--reports", &reports.to_string(), "--seed", &seed.to_string(), "--out"]).arg(&corpus).output()?;
    if !out.status.success() {
        bail!("generating the corpus failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let said = String::from_utf8_lossy(&out.stdout);
    let raw: u64 = said.split_once('(').and_then(|(_, r)| r.split_once(" bytes)")).and_then(|(n, _)| n.parse().ok()).context("the generator's byte count")?;
    let mb = raw as f64 / 1e6;
    let domain = Domain::builtin()?;
    let mut rows = Vec::new();

    // In a process of its own: a child's peak RSS (wait4) starts from what its parent held when it
    // was started, so this process keeps neither the corpus nor jieba's dictionary in memory.
    eprintln!("baseline: raw jieba segmentation …");
    let out = Command::new(std::env::current_exe()?).arg("jieba").arg("--corpus").arg(&corpus).output()?;
    if !out.status.success() {
        bail!("the jieba baseline failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let jieba_mbs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().context("the jieba baseline's output")?;
    eprintln!("ingest …");
    let jx = |args: &[&str]| -> Command {
        let mut c = Command::new(&bin);
        c.arg("--data").arg(&data).arg("--quiet").args(args).env_remove("JIXIAO_SCHEMA").current_dir(&work);
        c
    };
    // Round by round, this build then the baseline (the machine's speed drifts: alternating
    // exposes both to the same drift); the first round's data directory is the one measured below.
    let ingest = |bin: &Path, dir: &Path| -> Command {
        let mut c = Command::new(bin);
        c.arg("--data").arg(dir).arg("--quiet").arg("ingest").arg(&corpus).env_remove("JIXIAO_SCHEMA").current_dir(&work);
        c
    };
    let (mut ours, mut theirs, mut ingest_rss) = (Vec::new(), Vec::new(), 0);
    for round in 0..ingest_rounds.max(1) {
        let dir = if round == 0 { data.clone() } else { work.join("data-round") };
        let (t, rss, ok) = measure(&mut ingest(&bin, &dir))?;
        if !ok {
            bail!("ingest failed");
        }
        ours.push(t.as_secs_f64());
        ingest_rss = ingest_rss.max(rss);
        if round > 0 {
            let _ = std::fs::remove_dir_all(&dir);
        }
        if let Some(base) = baseline_bin {
            eprintln!("ingest with the baseline binary {} (round {}) …", base.display(), round + 1);
            let base_data = work.join("data-baseline");
            let _ = std::fs::remove_dir_all(&base_data);
            let (t, _, ok) = measure(&mut ingest(base, &base_data))?;
            if !ok {
                bail!("ingest with {} failed", base.display());
            }
            let _ = std::fs::remove_dir_all(&base_data);
            theirs.push(t.as_secs_f64());
        }
    }
    let rounds = if ours.len() > 1 { format!(", median of {} rounds", ours.len()) } else { String::new() };
    let ingest_t = std::time::Duration::from_secs_f64(median(&mut ours.clone()));
    let ingest_mbs = mb / ingest_t.as_secs_f64();
    rows.push(row(
        "ingest throughput",
        format!("{ingest_mbs:.2} MB/s{rounds}"),
        format!("jieba 2 threads {jieba_mbs:.2} MB/s"),
        format!("{:.2}×", ingest_mbs / jieba_mbs),
        "≥ 0.6×",
    ));
    rows.push(row("ingest peak RSS", format!("{:.0} MiB", ingest_rss as f64 / 1048576.0), "-".into(), "-".into(), "≤ 1024 MiB"));
    if let Some(base) = baseline_bin {
        let base_mbs = mb / median(&mut theirs.clone());
        // Each round's own ratio shows how much of the speed-up is the machine's drift.
        let per_round: Vec<String> = ours.iter().zip(&theirs).map(|(a, b)| format!("{:.2}", b / a)).collect();
        rows.push(row(
            "ingest speed-up",
            format!("{ingest_mbs:.2} MB/s{rounds}"),
            format!("{} {base_mbs:.2} MB/s", base.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
            format!("{:.2}× (rounds: {})", ingest_mbs / base_mbs, per_round.join(", ")),
            "≥ 3×",
        ));
    }
    let (again_t, _, _) = measure(&mut ingest(&bin, &data))?;
    rows.push(row(
        "re-ingest unchanged",
        format!("{:.2} s", again_t.as_secs_f64()),
        format!("first ingest {:.2} s", ingest_t.as_secs_f64()),
        format!("{:.3}×", again_t.as_secs_f64() / ingest_t.as_secs_f64()),
        "≤ 0.05×",
    ));
    let disk = dir_size(&data);
    let (store_mb, index_mb) = (dir_size(&data.join("store")) as f64 / 1e6, dir_size(&data.join("search")) as f64 / 1e6);
    rows.push(row("store + index on disk", format!("{:.1} MB", disk as f64 / 1e6), format!("raw text {mb:.1} MB"), format!("{:.2}× (store {store_mb:.1} MB, index {index_mb:.1} MB)", disk as f64 / raw as f64), "≤ 1.0×"));

    // What every command started from here inherits as its least peak RSS (see the note printed).
    let floor = own_rss();
    eprintln!("search: jixiao vs rg …");
    let mut jx_times = Vec::new();
    let mut rg_times = Vec::new();
    let mut search_rss = 0;
    for q in QUERIES {
        for _ in 0..repeat {
            let (t, rss, ok) = measure(&mut jx(&["search", q, "--limit", "10"]))?;
            if !ok {
                bail!("search {q} failed");
            }
            search_rss = search_rss.max(rss);
            jx_times.push(t.as_secs_f64() * 1000.0);
            let (t, _, _) = measure(Command::new("rg").args(["-F", "-c", q]).arg(&corpus))?;
            rg_times.push(t.as_secs_f64() * 1000.0);
        }
    }
    let jx_med = median(&mut jx_times);
    let rg_med = median(&mut rg_times);
    rows.push(row(
        "search, whole process (median of 15 queries)",
        format!("{jx_med:.1} ms"),
        format!("rg {rg_med:.1} ms"),
        format!("{:.1}× faster", rg_med / jx_med),
        "≤ 50 ms, ≥ 5× faster",
    ));
    rows.push(row("search peak RSS", format!("{:.0} MiB", search_rss as f64 / 1048576.0), "-".into(), "-".into(), "-"));

    eprintln!("problems and export …");
    let (prob_t, prob_rss, _) = measure(&mut jx(&["problems", "--format", "json"]))?;
    rows.push(row(
        "problems (all themes), whole process",
        format!("{:.2} s", prob_t.as_secs_f64()),
        format!("{reports} reports"),
        "-".into(),
        "≤ 1 s on 10,000 reports",
    ));
    rows.push(row("problems peak RSS", format!("{:.0} MiB", prob_rss as f64 / 1048576.0), "-".into(), "-".into(), "≤ 1024 MiB"));
    let out = work.join("export.csv");
    let (exp_t, exp_rss, _) = measure(jx(&["export", "预算", "--format", "csv", "--output"]).arg(&out))?;
    let exported = std::fs::read_to_string(&out).map(|s| s.lines().count().saturating_sub(1)).unwrap_or(0);
    rows.push(row(
        "export all hits of 预算 (csv)",
        format!("{exported} hits in {:.2} s, peak {:.0} MiB", exp_t.as_secs_f64(), exp_rss as f64 / 1048576.0),
        "-".into(),
        "-".into(),
        "bounded memory",
    ));

    // Last: opening the index here maps it into this process, whose size later children would inherit.
    eprintln!("in-process query latency …");
    let index = jixiao::index::SearchIndex::open(&data.join("search"), &domain.userdict, jixiao::index::Mode::Read)?;
    let s = Searching { index: &index, domain: &domain, units: None };
    // One untimed pass first: the figure is for a warm index (as the browser app keeps it); the
    // first query after an ingest reads its postings from disk.
    for q in QUERIES {
        s.search(q, &Filters::default(), 10, 0)?;
    }
    let mut lat = Vec::new();
    for _ in 0..repeat {
        for q in QUERIES {
            let t0 = Instant::now();
            s.search(q, &Filters::default(), 10, 0)?;
            lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let p50 = percentile(&mut lat, 0.5);
    let p99 = percentile(&mut lat, 0.99);
    rows.push(row("query latency in process (warm)", format!("p50 {p50:.2} ms, p99 {p99:.2} ms"), "-".into(), "-".into(), "p99 ≤ 20 ms"));

    println!("(peak RSS of a command is at least this benchmark's own, {:.0} MiB, which it inherits)", floor as f64 / 1048576.0);
    println!("corpus: {reports} reports, {mb:.1} MB of text (seed {seed}); machine: {} cores", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    println!();
    println!("| measure | jixiao | baseline (same run) | ratio | target |");
    println!("| --- | --- | --- | --- | --- |");
    for r in rows {
        println!("| {} | {} | {} | {} | {} |", r.what, r.value, r.baseline, r.ratio, r.target);
    }
    Ok(())
}

/// Report-level precision and recall of the themes tagged in the 存在的问题 chapter.
fn theme_quality(reports: usize, seed: u64) -> Result<()> {
    use std::collections::{BTreeMap, BTreeSet};
    let domain = Domain::builtin()?;
    let sample = jixiao::synth::Generator::new(seed, domain.regions()?).generate(reports);
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    let mut per_theme: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for r in &sample {
        let source = jixiao::model::SourceInfo { path: r.file_name.clone(), file_hash: String::new(), bytes: 0, encoding: String::new(), published: None };
        let report = jixiao::enrich::read_report(&r.text, source, &domain)?;
        let got: BTreeSet<String> = report
            .sections
            .iter()
            .filter(|s| s.path.first().is_some_and(|h| h.contains("存在的问题")))
            .flat_map(|s| s.themes.iter().map(|t| t.0.clone()))
            .collect();
        let want: BTreeSet<String> = r.problem_themes.iter().map(|t| t.to_string()).collect();
        if std::env::var_os("JIXIAO_DEBUG_THEMES").is_some() && want.difference(&got).next().is_some() {
            eprintln!("==== missed {:?} got {:?}\n{}", want.difference(&got).collect::<Vec<_>>(), got, r.text);
            for s in &report.sections {
                eprintln!("{} {:?} {} {:?}", "  ".repeat(s.level as usize), s.category, s.heading, s.themes);
            }
            std::process::exit(0);
        }
        for t in got.union(&want) {
            let e = per_theme.entry(t.clone()).or_default();
            match (got.contains(t), want.contains(t)) {
                (true, true) => { tp += 1; e.0 += 1 }
                (true, false) => { fp += 1; e.1 += 1 }
                _ => { fneg += 1; e.2 += 1 }
            }
        }
    }
    let ratio = |a: usize, b: usize| if a + b == 0 { 1.0 } else { a as f64 / (a + b) as f64 };
    println!("{reports} generated reports (seed {seed}): precision {:.3}, recall {:.3} over (report, theme) pairs", ratio(tp, fp), ratio(tp, fneg));
    println!("| theme | true pos | false pos | false neg |");
    println!("| --- | --- | --- | --- |");
    for (t, (a, b, c)) in per_theme {
        println!("| {t} | {a} | {b} | {c} |");
    }
    Ok(())
}

fn query_latency(data: &Path, repeat: usize, facets: bool, only: &[String]) -> Result<()> {
    let domain = Domain::builtin()?;
    let index = jixiao::index::SearchIndex::open(&data.join("search"), &domain.userdict, jixiao::index::Mode::Read)?;
    let s = Searching { index: &index, domain: &domain, units: None };
    // The search (what the CLI does), then the facet counts the browser app adds to each page.
    println!("| query | hits | search p50 ms | search max ms | facets p50 ms | facets max ms |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let typical: Vec<String> = ["", "预算"].iter().chain(QUERIES.iter()).map(|q| q.to_string()).collect();
    // Every search time of the typical queries (the run's in-process measure leaves out the first two).
    let mut all = Vec::new();
    for q in if only.is_empty() { &typical[..] } else { only } {
        let q = q.as_str();
        let (mut t, mut tf) = (Vec::new(), Vec::new());
        // Untimed first (see the same in `run`).
        let mut total = s.search(q, &Filters::default(), 10, 0)?.1;
        for _ in 0..repeat {
            let t0 = Instant::now();
            total = s.search(q, &Filters::default(), 10, 0)?.1;
            t.push(t0.elapsed().as_secs_f64() * 1000.0);
            if !facets {
                continue;
            }
            let t0 = Instant::now();
            s.facets(q, &Filters::default())?;
            tf.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        if !only.is_empty() || QUERIES.contains(&q) {
            all.extend(t.iter().copied());
        }
        let max = t.iter().copied().fold(0.0, f64::max);
        let maxf = tf.iter().copied().fold(0.0, f64::max);
        let label = if q.is_empty() { "(everything)" } else { q };
        let facets = if tf.is_empty() { "- | -".to_string() } else { format!("{:.2} | {maxf:.2}", median(&mut tf)) };
        println!("| {label} | {total} | {:.2} | {max:.2} | {facets} |", median(&mut t));
    }
    let which = if only.is_empty() { "the 15 typical queries (without the first two)" } else { "these queries" };
    if all.is_empty() {
        return Ok(());
    }
    let (p50, p99) = (percentile(&mut all, 0.5), percentile(&mut all, 0.99));
    println!();
    println!("search over {which}, {} times: p50 {p50:.2} ms, p99 {p99:.2} ms", all.len());
    Ok(())
}

fn main() -> Result<()> {
    // A reader that closes the pipe early (`| head`) ends the bench quietly, as it ends any filter,
    // instead of a panic inside println!.
    #[cfg(unix)]
    // SAFETY: sets the default action of one signal, before any thread of this process starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match Cli::parse().command {
        Cmd::Gen { reports, seed, out, messy } => {
            let bytes = gen(reports, seed, &out, messy)?;
            println!("wrote {reports} reports, {:.1} MB ({bytes} bytes), to {}", bytes as f64 / 1e6, out.display());
        }
        Cmd::Run { reports, seed, work, repeat, baseline_bin, ingest_rounds } => run(reports, seed, work, repeat, baseline_bin.as_deref(), ingest_rounds)?,
        Cmd::Query { data, repeat, no_facets, queries } => query_latency(&data, repeat, !no_facets, &queries)?,
        Cmd::Jieba { corpus } => jieba_of_corpus(&corpus)?,
        Cmd::Themes { reports, seed } => theme_quality(reports, seed)?,
        Cmd::Similar { statements, against, map_other } => similar_quality(&statements, against.as_deref(), map_other)?,
        Cmd::Statements { statements } => statement_quality(&statements)?,
        Cmd::Patterns { statements, top } => pattern_costs(&statements, top)?,
    }
    Ok(())
}

/// The time each theme pattern (and each shared cue) takes over every line of `file`, slowest
/// first, with the share of all pattern time.
fn pattern_costs(file: &Path, top: usize) -> Result<()> {
    let domain = jixiao::schema::Domain::builtin()?;
    let lines: Vec<String> = std::fs::read_to_string(file)?.lines().map(jixiao::text::squeeze).filter(|l| !l.is_empty()).collect();
    let cues = &domain.themes.cues;
    let mut all: Vec<(String, &jixiao::schema::Pattern)> = Vec::new();
    for t in &domain.themes.list {
        all.extend(t.matchers().map(|p| (t.id.0.clone(), p)));
        all.extend(t.pairs.iter().map(|(_, cue)| (format!("{} (cue)", t.id.0), cue)));
        all.extend(t.exclude.iter().map(|p| (format!("{} (exclude)", t.id.0), p)));
    }
    for (name, p) in [("deficiency", &cues.deficiency), ("resolved", &cues.resolved), ("measure", &cues.measure), ("criterion", &cues.criterion)] {
        all.extend(p.iter().map(|p| (format!("cue {name}"), p)));
    }
    let mut costs: Vec<(std::time::Duration, usize, &str, &str)> = all
        .iter()
        .map(|(who, p)| {
            let _ = p.is_match(""); // compiled before timing
            let start = Instant::now();
            let hits = lines.iter().filter(|l| p.is_match(l)).count();
            (start.elapsed(), hits, who.as_str(), p.source())
        })
        .collect();
    costs.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(b.2)));
    let total: f64 = costs.iter().map(|c| c.0.as_secs_f64()).sum();
    println!("{} lines, {} patterns, {:.3} s in all", lines.len(), costs.len(), total);
    for (d, hits, who, source) in costs.iter().take(top) {
        let shown: String = source.chars().take(70).collect();
        println!("{:>8.1} ms {:>5.1}% {:>6} hits  {who}: {shown}", d.as_secs_f64() * 1e3, 100.0 * d.as_secs_f64() / total, hits);
    }
    Ok(())
}

/// Labelled problem statements of a JSON Lines file: text and labels (see `Cmd::Similar`).
fn labelled_statements(file: &Path, domain: &jixiao::schema::Domain, map_other: bool) -> Result<Vec<(String, Vec<String>)>> {
    let mut items = Vec::new();
    for line in std::fs::read_to_string(file)?.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let mut labels: Vec<String> = Vec::new();
        for label in v["themes"].as_array().into_iter().flatten().filter_map(|t| t.as_str()) {
            let named = match label.strip_prefix("other:") {
                Some(name) if map_other => jixiao::enrich::themes::statement_themes(name, &domain.themes).into_iter().map(|t| t.0).collect(),
                _ => Vec::new(),
            };
            if named.is_empty() {
                labels.push(label.to_string());
            }
            labels.extend(named);
        }
        labels.sort();
        labels.dedup();
        if !labels.is_empty() && v.get("kind").is_none_or(|k| k == "problem") {
            items.push((v["text"].as_str().unwrap_or_default().to_string(), labels));
        }
    }
    Ok(items)
}

/// See `Cmd::Similar`.
fn similar_quality(file: &Path, against: Option<&Path>, map_other: bool) -> Result<()> {
    use jixiao::similarity::{bigrams, cosine, idf, statement_similarity, weighted, Profile, Vector, Vectorizer};
    let domain = jixiao::schema::Domain::builtin()?;
    let queries = labelled_statements(file, &domain, map_other)?;
    // The collection: the queries themselves (each skips itself) or another file's statements.
    let collection = match against {
        Some(other) => labelled_statements(other, &domain, map_other)?,
        None => queries.clone(),
    };
    let itself = |i: usize, j: usize| against.is_none() && i == j;
    let mut vz = Vectorizer::new(&domain);
    let raw = |vz: &mut Vectorizer, items: &[(String, Vec<String>)]| -> Vec<(Vector, Vector)> { items.iter().map(|(t, _)| (vz.vector(t), bigrams(t))).collect() };
    let (raw_q, raw_c) = (raw(&mut vz, &queries), raw(&mut vz, &collection));
    // Rarity is counted in the collection, as `similar` counts it in the data directory.
    let n = collection.len();
    let mut df_words: std::collections::HashMap<String, usize> = Default::default();
    let mut df_grams: std::collections::HashMap<String, usize> = Default::default();
    for (w, g) in &raw_c {
        w.keys().for_each(|k| *df_words.entry(k.clone()).or_default() += 1);
        g.keys().for_each(|k| *df_grams.entry(k.clone()).or_default() += 1);
    }
    let profile = |(w, g): &(Vector, Vector), text: &str| Profile {
        words: weighted(w.clone(), |k| idf(n, df_words.get(k).copied().unwrap_or(0))),
        bigrams: weighted(g.clone(), |k| idf(n, df_grams.get(k).copied().unwrap_or(0))),
        themes: jixiao::enrich::themes::statement_themes(text, &domain.themes),
        leanings: domain.themes.leanings(text),
    };
    let pq: Vec<Profile> = raw_q.iter().zip(&queries).map(|(r, (t, _))| profile(r, t)).collect();
    let pc: Vec<Profile> = raw_c.iter().zip(&collection).map(|(r, (t, _))| profile(r, t)).collect();
    type Measure<'a> = Box<dyn Fn(&Profile, &Profile) -> f32 + 'a>;
    let measures: Vec<(&str, Measure)> = vec![
        ("character-bigram TF-IDF cosine (baseline)", Box::new(|a: &Profile, b: &Profile| cosine(&a.bigrams, &b.bigrams))),
        ("word TF-IDF cosine (jieba)", Box::new(|a: &Profile, b: &Profile| cosine(&a.words, &b.words))),
        ("words + bigrams", Box::new(|a: &Profile, b: &Profile| (cosine(&a.words, &b.words) + cosine(&a.bigrams, &b.bigrams)) / 2.0)),
        ("statement_similarity (words, bigrams, themes, leanings)", Box::new(|a: &Profile, b: &Profile| statement_similarity(a, b))),
    ];
    let shares = |i: usize, j: usize| collection[j].1.iter().any(|l| queries[i].1.contains(l));
    let against_name = against.map_or("the other statements".to_string(), |p| p.display().to_string());
    println!("{} labelled statements, each a query against {against_name} ({n})", queries.len());
    let best: f64 = (0..queries.len()).map(|i| ((0..n).filter(|&j| !itself(i, j) && shares(i, j)).count().min(3)) as f64 / 3.0).sum();
    for (name, f) in &measures {
        let (mut top1, mut top3) = (0.0, 0.0);
        for (i, q) in pq.iter().enumerate() {
            let mut scored: Vec<(f32, usize)> = (0..n).filter(|&j| !itself(i, j)).map(|j| (f(q, &pc[j]), j)).filter(|(s, _)| *s > 0.0).collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            if let Some(&(_, j)) = scored.first() {
                top1 += f64::from(u8::from(shares(i, j)));
            }
            top3 += scored.iter().take(3).filter(|&&(_, j)| shares(i, j)).count() as f64 / 3.0;
        }
        let q = queries.len().max(1) as f64;
        println!("{name:48} top-1 {:.3}  top-3 {:.3}", top1 / q, top3 / q);
    }
    println!("{:48} top-3 {:.3}", "(the most any measure could reach)", best / queries.len().max(1) as f64);
    Ok(())
}

/// See `Cmd::Statements`.
fn statement_quality(file: &Path) -> Result<()> {
    let domain = jixiao::schema::Domain::builtin()?;
    let mut per: std::collections::BTreeMap<String, [usize; 3]> = Default::default();
    let (mut negatives, mut negatives_tagged) = (0usize, 0usize);
    for line in std::fs::read_to_string(file)?.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let want: std::collections::BTreeSet<String> = v["themes"].as_array().map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect()).unwrap_or_default();
        let got: std::collections::BTreeSet<String> = jixiao::enrich::themes::statement_themes(v["text"].as_str().unwrap_or_default(), &domain.themes).into_iter().map(|t| t.0).collect();
        for t in want.union(&got) {
            let e = per.entry(t.clone()).or_default();
            e[usize::from(!want.contains(t)) + 2 * usize::from(!got.contains(t))] += 1;
        }
        if v.get("kind").is_some_and(|k| k == "negative") {
            negatives += 1;
            negatives_tagged += usize::from(!got.is_empty());
        }
    }
    let [tp, fp, fn_] = per.values().fold([0; 3], |a, e| [a[0] + e[0], a[1] + e[1], a[2] + e[2]]);
    let ratio = |a: usize, b: usize| a as f64 / b.max(1) as f64;
    println!("{}: precision {:.3} recall {:.3} (tp {tp}, fp {fp}, fn {fn_}); negatives tagged {negatives_tagged} of {negatives}", file.display(), ratio(tp, tp + fp), ratio(tp, tp + fn_));
    for (t, [tp, fp, fn_]) in &per {
        println!("  {t:24} tp {tp:3}  fp {fp:3}  fn {fn_:3}");
    }
    Ok(())
}
