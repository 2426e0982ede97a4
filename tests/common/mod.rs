//! Helpers shared by the black-box tests: paths, the binary in an isolated environment, JSON Lines,
//! generated corpora.
#![allow(dead_code)] // each test crate uses a part of them

use serde_json::Value;
use std::path::{Path, PathBuf};

/// What a test needs from outside the project is missing (../shared, Chromium): under `.ci/run`
/// (which sets JIXIAO_TESTS_REQUIRE_ALL) the test fails, elsewhere it prints a notice and checks
/// nothing, so that a skip is never taken for a pass in CI.
pub fn missing(what: &str) {
    if std::env::var_os("JIXIAO_TESTS_REQUIRE_ALL").is_some() {
        panic!("{what} is missing, and .ci/run requires it (JIXIAO_TESTS_REQUIRE_ALL is set)");
    }
    eprintln!("notice: {what} is missing; this test was SKIPPED and checked nothing");
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn samples() -> PathBuf {
    root().join("samples")
}

pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// The binary on `data`, quiet, with no JIXIAO_* variables from the environment and a working
/// directory without a ./schema folder.
pub fn jixiao_std(data: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("jixiao"));
    c.arg("--data").arg(data).arg("--quiet").env_remove("JIXIAO_DATA").env_remove("JIXIAO_SCHEMA").current_dir(std::env::temp_dir());
    c
}

/// `jixiao_std` as an assert_cmd command.
pub fn jixiao(data: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(jixiao_std(data))
}

/// The JSON objects of a command's output, one a line.
pub fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out).lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Runs a command and returns its JSON lines.
pub fn run_json(data: &Path, args: &[&str]) -> Vec<Value> {
    json_lines(&jixiao(data).args(args).output().unwrap().stdout)
}

/// Writes `n` generated reports into `dir`.
pub fn synth_corpus(dir: &Path, seed: u64, n: usize) {
    let domain = jixiao::schema::Domain::builtin().unwrap();
    for r in jixiao::synth::Generator::new(seed, domain.regions().unwrap()).generate(n) {
        std::fs::write(dir.join(r.file_name), r.text).unwrap();
    }
}
