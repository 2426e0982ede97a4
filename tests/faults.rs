//! Faults and hostile input: damaged stores and indexes, full disks, locks, hostile files, queries
//! and file names. Each test pins one defect, with files and data generated here in our own wording.

mod common;

use common::*;
use std::path::Path;
use tempfile::TempDir;

fn ingest(dir: &Path) -> TempDir {
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(dir).assert().success();
    data
}

fn count_reports(data: &Path) -> usize {
    run_json(data, &["reports", "--format", "json"]).len()
}

#[test]
fn rebuild_restores_from_the_index_what_the_store_lost() {
    let data = ingest(&samples());
    std::fs::remove_dir_all(data.path().join("store")).unwrap();
    let out = jixiao(data.path()).arg("rebuild").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("re-indexed 7 reports"));
    assert_eq!(count_reports(data.path()), 7);
}

#[test]
fn rebuild_refuses_when_both_copies_are_damaged_and_keeps_the_index() {
    let data = ingest(&samples());
    std::fs::remove_dir_all(data.path().join("store")).unwrap();
    std::fs::write(data.path().join("search/meta.json"), "not json").unwrap();
    let out = jixiao(data.path()).arg("rebuild").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to rebuild from"));
    let kept = std::fs::read_dir(data.path()).unwrap().filter_map(|e| e.ok()).any(|e| e.file_name().to_string_lossy().starts_with("search.damaged-"));
    assert!(kept, "the damaged index is moved aside, not deleted");
}

#[test]
fn export_refuses_to_overwrite_files_and_never_writes_into_the_data_directory() {
    let data = ingest(&samples());
    let dir = TempDir::new().unwrap();
    let existing = dir.path().join("report.txt");
    std::fs::write(&existing, "原有内容").unwrap();
    let out = jixiao(data.path()).args(["export", "预算", "-o"]).arg(&existing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "原有内容");
    jixiao(data.path()).args(["--force", "export", "预算", "-o"]).arg(&existing).assert().success();
    assert_ne!(std::fs::read_to_string(&existing).unwrap(), "原有内容");
    for inside in ["store/db", "search/meta.json", "new.csv"] {
        let target = data.path().join(inside);
        let out = jixiao(data.path()).args(["--force", "export", "预算", "-o"]).arg(&target).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{inside}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("inside the data directory"), "{inside}");
    }
    assert_eq!(count_reports(data.path()), 7);
}

#[test]
fn hostile_queries_and_limits_get_clear_errors_not_crashes() {
    let data = ingest(&samples());
    for q in ["(".repeat(10_000), "NOT 预算 ".repeat(5_000), "NOT 预算 ".repeat(80), format!("{}预算{}", "(".repeat(50), ")".repeat(50))] {
        for cmd in ["search", "export", "problems"] {
            let out = jixiao(data.path()).arg(cmd).arg(&q).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{cmd}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("limit") && err.len() < 400, "{cmd}: {err}");
        }
    }
    for n in ["18446744073709551615", "1000000000"] {
        for cmd in ["search", "similar"] {
            let mut c = jixiao(data.path());
            c.arg(cmd);
            if cmd == "similar" {
                c.args(["--text", "政府采购执行率偏低"]);
            } else {
                c.arg("预算");
            }
            let out = c.args(["-n", n]).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{cmd} -n {n}");
            assert!(String::from_utf8_lossy(&out.stderr).contains("at most 10000"));
        }
    }
}

#[test]
fn exit_codes_say_what_was_found() {
    let data = ingest(&samples());
    // -n 0 shows no hits but 16 sections matched: success.
    jixiao(data.path()).args(["search", "预算", "-n", "0"]).assert().code(0);
    let out = jixiao(data.path()).args(["problems", "--year", "1999"]).env_remove("JIXIAO_QUIET").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = jixiao(data.path()).args(["similar", "--text", "  "]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--text is empty"));
}

#[test]
fn csv_cells_that_look_like_formulas_are_neutralized() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("r.txt"),
        "桐庐县档案馆2023年度部门整体支出绩效自评报告\n一、存在的问题\n=HYPERLINK(\"http://example.invalid\",\"点击\")预算执行率偏低。\n",
    )
    .unwrap();
    let data = ingest(dir.path());
    let out = jixiao(data.path()).args(["export", "预算执行率", "--format", "csv"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(!text.contains(",=HYPERLINK") && !text.contains("\"=HYPERLINK"), "{text}");
}

#[test]
fn escape_sequences_in_reports_and_file_names_do_not_reach_the_terminal() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("evil\u{1b}[2Jname.txt"),
        "桐庐县档案馆2023年度部门整体支出绩效自评报告\n一、存在的问题\n预算执行率偏低\u{1b}]0;owned\u{7}，支出进度慢。\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("binary.txt"), b"\x00\x01\x1b[31m").unwrap();
    let data = TempDir::new().unwrap();
    let out = jixiao(data.path()).arg("ingest").arg(dir.path()).output().unwrap();
    assert!(!out.stderr.contains(&0x1b), "{}", String::from_utf8_lossy(&out.stderr));
    for args in [vec!["search", "预算执行率"], vec!["reports"], vec!["problems"]] {
        let out = jixiao(data.path()).args(&args).output().unwrap();
        assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07), "{args:?}");
    }
}

#[test]
fn set_refuses_empty_or_multi_line_departments() {
    let data = ingest(&samples());
    let id = run_json(data.path(), &["reports", "--format", "json"])[0]["id"].as_str().unwrap().to_string();
    for bad in ["", " ", "平遥县\n教育局"] {
        let out = jixiao(data.path()).args(["set", &id, "--department", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    let schema = TempDir::new().unwrap();
    std::fs::write(schema.path().join("themes.toml"), "[[theme]]\nid = \"\"\nlabel = \"空\"\n").unwrap();
    let out = jixiao(data.path()).arg("--schema").arg(schema.path()).arg("problems").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("theme id"));
}

#[test]
fn deep_or_repeated_headings_and_deeply_nested_pages_do_not_overflow_the_stack() {
    let dir = TempDir::new().unwrap();
    let repeated = format!("桐庐县档案馆2023年度部门整体支出绩效自评报告\n{}", "一、存在的问题\n1.预算执行率偏低\n".repeat(2500));
    std::fs::write(dir.path().join("repeated.txt"), repeated).unwrap();
    let restarts: String = (0..2000).map(|i| format!("（一）问题{i}\n")).collect();
    std::fs::write(dir.path().join("restarts.txt"), format!("桐庐县档案馆2022年度部门整体支出绩效自评报告\n{restarts}")).unwrap();
    let nested = format!("<html><body>{}<p>桐庐县档案馆2021年度部门整体支出绩效自评报告</p><p>预算执行率偏低。</p>{}</body></html>", "<div>".repeat(900), "</div>".repeat(900));
    std::fs::write(dir.path().join("nested.html"), nested).unwrap();
    let data = TempDir::new().unwrap();
    let out = jixiao(data.path()).arg("ingest").arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count_reports(data.path()), 3);
    let id = run_json(data.path(), &["reports", "--format", "json"]).iter().find(|r| r["source"].as_str().unwrap().ends_with("restarts.txt")).unwrap()["id"].as_str().unwrap().to_string();
    let deepest = run_json(data.path(), &["show", &id, "--format", "json"]).iter().filter_map(|s| s["level"].as_u64()).max().unwrap();
    assert!(deepest <= 13, "sections nest {deepest} deep");
}

/// A minimal .docx with the given document.xml and numbering.xml.
fn docx(document: &str, numbering: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in [("[Content_Types].xml", "<Types/>"), ("word/document.xml", document), ("word/numbering.xml", numbering)] {
        z.start_file(name, opts).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap();
    buf.into_inner()
}

fn paragraph(text: &str, ilvl: &str) -> String {
    format!("<w:p><w:pPr><w:numPr><w:ilvl w:val=\"{ilvl}\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>")
}

#[test]
fn hostile_word_files_are_bounded_in_time_and_memory() {
    let dir = TempDir::new().unwrap();
    let numbering = "<w:numbering><w:abstractNum w:abstractNumId=\"0\"><w:lvl w:ilvl=\"1000000\"><w:start w:val=\"4294967295\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%1.\"/></w:lvl><w:lvl w:ilvl=\"0\"><w:start w:val=\"4294967295\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%1.\"/></w:lvl></w:abstractNum><w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num></w:numbering>";
    let body = format!(
        "<w:document><w:body><w:p><w:r><w:t>桐庐县档案馆2023年度部门整体支出绩效自评报告</w:t></w:r></w:p>{}{}{}</w:body></w:document>",
        paragraph("存在的问题", "0"),
        paragraph("预算执行率偏低", "0"),
        paragraph("支出进度滞后", "18446744073709551614")
    );
    std::fs::write(dir.path().join("levels.docx"), docx(&body, numbering)).unwrap();
    // document.xml inflating to 100 MB (of spaces) from a few hundred KB.
    let bomb = format!("<w:document><w:body>{}</w:body></w:document>", " ".repeat(100 * 1024 * 1024));
    std::fs::write(dir.path().join("bomb.docx"), docx(&bomb, "<w:numbering/>")).unwrap();
    let data = TempDir::new().unwrap();
    let started = std::time::Instant::now();
    let out = jixiao(data.path()).arg("ingest").arg(dir.path()).output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(2), "the bomb fails, the rest is done");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bomb.docx") && err.contains("over 64 MB"), "{err}");
    assert_eq!(count_reports(data.path()), 1);
}

#[test]
fn check_dry_run_changes_nothing_even_on_a_damaged_store() {
    let data = ingest(&samples());
    let db = data.path().join("store/db");
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes.len() / 3;
    let end = (at + 256).min(bytes.len());
    bytes[at..end].fill(0xAB);
    std::fs::write(&db, &bytes).unwrap();
    let listing = |p: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(p).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
        v.sort();
        v
    };
    let before = listing(data.path());
    let out = jixiao(data.path()).args(["check", "--dry-run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(listing(data.path()), before, "nothing moved aside");
    assert!(std::fs::read(&db).is_ok_and(|b| b[at..end].iter().all(|x| *x == 0xAB)), "the store file is untouched");
    // Without --dry-run the store is repaired and nothing is lost.
    jixiao(data.path()).arg("check").assert().success();
    assert_eq!(count_reports(data.path()), 7);
}

#[cfg(unix)]
#[test]
fn file_names_that_differ_only_in_invalid_bytes_are_two_reports() {
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new().unwrap();
    for (byte, dept) in [(0xffu8, "桐庐县档案馆"), (0xfe, "桐庐县图书馆")] {
        let bytes = [b'a', byte, b'.', b't', b'x', b't'];
        let name = std::ffi::OsStr::from_bytes(&bytes);
        std::fs::write(dir.path().join(name), format!("{dept}2023年度部门整体支出绩效自评报告\n一、存在的问题\n预算执行率偏低。\n")).unwrap();
    }
    let data = ingest(dir.path());
    assert_eq!(count_reports(data.path()), 2);
    // Re-ingesting changes nothing: neither report replaces the other.
    let out = jixiao(data.path()).arg("ingest").arg(dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 added, 0 replaced, 2 unchanged"), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(count_reports(data.path()), 2);
}

#[cfg(unix)]
#[test]
fn links_out_of_the_folder_are_not_followed_and_files_without_chinese_are_not_reports() {
    let outside = TempDir::new().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "root:x:0:0:root:/root:/bin/bash\nPATH=/usr/bin\n").unwrap();
    std::fs::write(outside.path().join("other.txt"), "桐庐县档案馆2023年度部门整体支出绩效自评报告\n一、存在的问题\n预算执行率偏低。\n").unwrap();
    let dir = TempDir::new().unwrap();
    std::fs::copy(samples().join("pingyao_jiaoyu_2021.txt"), dir.path().join("own.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("secret.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("elsewhere")).unwrap();
    let data = ingest(dir.path());
    assert_eq!(count_reports(data.path()), 1, "only the folder's own file");
    assert!(run_json(data.path(), &["search", "root", "--format", "json"]).is_empty());
    // Asked to follow, the outside report comes in; the file without Chinese is refused by name.
    let out = jixiao(data.path()).args(["ingest", "--follow"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("secret.txt") && err.contains("not a report"), "{err}");
    assert_eq!(count_reports(data.path()), 2);
}

/// Runs the binary as an unprivileged user when the tests run as root (root writes anywhere, so a
/// read-only folder is read-only only for others); None where that is not possible here.
fn unprivileged(data: &Path, bin_copy_dir: &Path) -> Option<std::process::Command> {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(jixiao_std(data));
    }
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].into_iter().find(|p| Path::new(p).exists())?;
    // The test binary may live under a folder the other user cannot enter: run a copy.
    let bin = bin_copy_dir.join("jixiao");
    std::fs::copy(assert_cmd::cargo::cargo_bin("jixiao"), &bin).ok()?;
    std::fs::set_permissions(bin_copy_dir, std::fs::Permissions::from_mode(0o755)).ok()?;
    let mut c = std::process::Command::new(setpriv);
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&bin);
    c.arg("--data").arg(data).arg("--quiet").env_remove("JIXIAO_DATA").env_remove("JIXIAO_SCHEMA").current_dir("/");
    Some(c)
}

#[test]
fn a_read_only_data_directory_can_be_searched() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = tmp.path().join("data");
    jixiao(&data).arg("ingest").arg(samples()).assert().success();
    let bin_dir = TempDir::new().unwrap();
    let Some(mut search) = unprivileged(&data, bin_dir.path()) else {
        eprintln!("notice: cannot run as another user here (setpriv missing); read-only test skipped");
        return;
    };
    // Everything readable, nothing writable.
    for e in walkdir::WalkDir::new(&data).into_iter().filter_map(|e| e.ok()) {
        let mode = if e.file_type().is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let out = search.args(["search", "预算", "--format", "json"]).output().unwrap();
    for e in walkdir::WalkDir::new(&data).into_iter().filter_map(|e| e.ok()) {
        let mode = if e.file_type().is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!json_lines(&out.stdout).is_empty());
}

/// Runs `cmd` with a limit on the size of any file it writes (RLIMIT_FSIZE, writes beyond it fail
/// like a full disk), killing it after `secs`; returns the exit code (None: it had to be killed).
fn run_with_file_size_limit(mut cmd: std::process::Command, bytes: u64, secs: u64) -> (Option<i32>, String) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.stderr(std::process::Stdio::piped()).stdout(std::process::Stdio::null()).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status.code(), err);
        }
        if std::time::Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            return (None, String::new());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_full_disk_ends_the_ingest_with_one_message_and_the_next_run_completes_it() {
    let corpus = TempDir::new().unwrap();
    synth_corpus(corpus.path(), 5, 500);
    // Limits that stop the run at its first write, between commits and at a later commit.
    for limit_kib in [600u64, 1500, 3000] {
        let data = TempDir::new().unwrap();
        let mut cmd = jixiao_std(data.path());
        cmd.arg("ingest").arg(corpus.path());
        let (code, err) = run_with_file_size_limit(cmd, limit_kib * 1024, 120);
        assert_eq!(code, Some(2), "limit {limit_kib} KiB: the ingest must end, not hang ({err})");
        assert!(err.contains("the file size limit was reached") && err.contains("run the same ingest again"), "{err}");
        assert!(err.lines().count() <= 2, "limit {limit_kib} KiB: one message, not one per file: {err}");
        jixiao(data.path()).arg("ingest").arg(corpus.path()).assert().success();
        let check = jixiao(data.path()).arg("check").output().unwrap();
        assert!(String::from_utf8_lossy(&check.stdout).contains("consistent"), "{}", String::from_utf8_lossy(&check.stdout));
        assert_eq!(count_reports(data.path()), 500);
    }
}

fn flip_a_byte(path: &Path) {
    let mut b = std::fs::read(path).unwrap();
    let i = b.len() / 2;
    b[i] ^= 0xff;
    std::fs::write(path, b).unwrap();
}

fn search_count(data: &Path, q: &str) -> usize {
    run_json(data, &["search", q, "-n", "1000", "--format", "json"]).len()
}

#[test]
fn damaged_index_files_are_found_by_check_and_rebuilt_from_the_store() {
    let before = search_count(ingest(&samples()).path(), "预算");
    assert!(before > 0);
    for ext in ["fast", "idx", "pos", "term", "store", "fieldnorm"] {
        let data = ingest(&samples());
        let file = std::fs::read_dir(data.path().join("search"))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .min()
            .unwrap();
        flip_a_byte(&file);
        let damaged = std::fs::read(&file).unwrap();
        // Readers never crash on it: an answer or one clear error.
        let out = jixiao(data.path()).args(["search", "预算"]).output().unwrap();
        assert!(matches!(out.status.code(), Some(0..=2)), ".{ext}: search ended by a signal");
        let dry = jixiao(data.path()).args(["check", "--dry-run"]).output().unwrap();
        assert_eq!(dry.status.code(), Some(2), ".{ext}: {}", String::from_utf8_lossy(&dry.stdout));
        assert!(String::from_utf8_lossy(&dry.stdout).contains("damaged or missing files"));
        assert_eq!(std::fs::read(&file).unwrap(), damaged, "a dry run changes nothing");
        let fix = jixiao(data.path()).arg("check").output().unwrap();
        assert!(fix.status.success(), ".{ext}: {}", String::from_utf8_lossy(&fix.stderr));
        assert!(String::from_utf8_lossy(&fix.stdout).contains("7 reports re-indexed from the store"));
        assert_eq!(search_count(data.path(), "预算"), before, ".{ext}");
    }
}

#[test]
fn rebuild_does_not_read_a_damaged_index() {
    let data = ingest(&samples());
    let fast = std::fs::read_dir(data.path().join("search")).unwrap().filter_map(|e| e.ok().map(|e| e.path())).find(|p| p.extension().is_some_and(|x| x == "fast")).unwrap();
    flip_a_byte(&fast);
    let out = jixiao(data.path()).arg("rebuild").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("re-indexed 7 reports"));
    assert!(String::from_utf8_lossy(&jixiao(data.path()).arg("check").output().unwrap().stdout).contains("consistent"));
}

/// A writer that stopped after writing the store and before committing the index (what a kill
/// during `retag` or `set` leaves): `check` sees the content differ, the next writer repairs it.
#[test]
fn an_interrupted_retag_is_detected_by_content_and_finished_by_the_next_writer() {
    let data = ingest(&samples());
    let domain = jixiao::schema::Domain::builtin().unwrap();
    let dir = jixiao::store::DataDir::new(data.path());
    {
        let mut w = jixiao::writer::Writer::open(&dir, &domain).unwrap();
        let id = w.store.ids().unwrap()[0].clone();
        let mut r = w.store.get(&id).unwrap().unwrap();
        // Same number of sections, other themes: a count-only check would call this consistent.
        for s in &mut r.sections {
            s.themes.clear();
        }
        w.replace(&r).unwrap();
        w.store.flush().unwrap();
        // Dropped without the index commit.
    }
    let dry = jixiao(data.path()).args(["check", "--dry-run"]).output().unwrap();
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(text.contains("other content than the store"), "{text}");
    // Any writer finishes the interrupted one first (here a `set` of another report).
    let other = run_json(data.path(), &["reports", "--format", "json"])[1]["id"].as_str().unwrap().to_string();
    jixiao(data.path()).args(["set", &other, "--year", "2023"]).assert().success();
    let after = jixiao(data.path()).args(["check", "--dry-run"]).output().unwrap();
    assert!(String::from_utf8_lossy(&after.stdout).contains("consistent"), "{}", String::from_utf8_lossy(&after.stdout));
}

#[test]
fn a_lost_index_is_rebuilt_by_the_next_ingest() {
    let data = ingest(&samples());
    std::fs::remove_dir_all(data.path().join("search")).unwrap();
    let out = jixiao(data.path()).arg("ingest").arg(samples()).output().unwrap();
    assert!(out.status.success());
    assert_eq!(count_reports(data.path()), 7);
    assert!(String::from_utf8_lossy(&jixiao(data.path()).arg("check").output().unwrap().stdout).contains("consistent"));
}

#[test]
fn a_held_lock_names_the_process_that_holds_it() {
    let data = ingest(&samples());
    let dir = jixiao::store::DataDir::new(data.path());
    let _held = dir.lock().unwrap();
    let out = jixiao(data.path()).args(["retag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("process {}", std::process::id())), "{err}");
    // Readers do not need the lock.
    jixiao(data.path()).args(["search", "预算"]).assert().success();
}

#[cfg(unix)]
#[test]
fn outputs_that_lead_into_the_data_directory_through_links_are_refused() {
    let data = ingest(&samples());
    let d = data.path();
    let conf = d.join("store/conf");
    let before = std::fs::read(&conf).unwrap();
    let out_dir = TempDir::new().unwrap();
    // A dangling link whose target would be created inside the data directory.
    let dangling = out_dir.path().join("hits.csv");
    std::os::unix::fs::symlink(d.join("new.csv"), &dangling).unwrap();
    // A link to the store's config, and a folder link into the data directory.
    let to_conf = out_dir.path().join("conf.csv");
    std::os::unix::fs::symlink(&conf, &to_conf).unwrap();
    let folder = out_dir.path().join("folder");
    std::os::unix::fs::symlink(d, &folder).unwrap();
    for (target, force) in [(&dangling, false), (&dangling, true), (&to_conf, true), (&folder.join("x.csv"), true), (&folder.join("new/sub/x.csv"), true)] {
        let mut cmd = jixiao(d);
        cmd.args(["export", "预算", "--format", "csv", "-o"]).arg(target);
        if force {
            cmd.arg("--force");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", target.display());
        assert!(String::from_utf8_lossy(&out.stderr).contains("will not write inside the data directory"), "{}: {}", target.display(), String::from_utf8_lossy(&out.stderr));
    }
    assert!(!d.join("new.csv").exists() && !d.join("new").exists() && !d.join("x.csv").exists());
    assert_eq!(std::fs::read(&conf).unwrap(), before, "the store's config is untouched");
    // An OpenSearch export into a folder of the data directory that does not exist yet.
    let out = jixiao(d).args(["export", "--format", "opensearch", "-o"]).arg(d.join("new/sub")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.join("new").exists(), "nothing was created");
    // Outside the data directory, through a link: written.
    let real = TempDir::new().unwrap();
    let elsewhere = out_dir.path().join("elsewhere");
    std::os::unix::fs::symlink(real.path(), &elsewhere).unwrap();
    jixiao(d).args(["export", "预算", "--format", "csv", "-o"]).arg(elsewhere.join("hits.csv")).assert().success();
    assert!(real.path().join("hits.csv").exists());
}

#[cfg(unix)]
#[test]
fn index_files_get_the_permissions_of_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let data = TempDir::new().unwrap();
    let mut cmd = jixiao_std(data.path());
    cmd.arg("ingest").arg(samples());
    // SAFETY: umask is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        });
    }
    assert!(cmd.status().unwrap().success());
    for name in ["meta.json", ".managed.json"] {
        let mode = std::fs::metadata(data.path().join("search").join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{name}: {mode:o}");
    }
}

#[test]
fn the_raw_query_is_limited_scope_terms_included() {
    let data = ingest(&samples());
    let many: String = (0..5000).map(|i| format!("department:部门{i} ")).collect();
    let started = std::time::Instant::now();
    let out = jixiao(data.path()).args(["search", &many]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the limit is 1000"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn full_width_formula_signs_and_pipes_are_neutralized_in_csv() {
    let dir = TempDir::new().unwrap();
    let lines = ["＝1+1预算执行率偏低。", "＠SUM(A1)预算执行率偏低。", "|cmd预算执行率偏低。", "＋1预算执行率偏低。"];
    for (i, l) in lines.iter().enumerate() {
        std::fs::write(dir.path().join(format!("r{i}.txt")), format!("桐庐县档案馆202{i}年度部门整体支出绩效自评报告\n一、存在的问题\n{l}\n")).unwrap();
    }
    let data = ingest(dir.path());
    let out = jixiao(data.path()).args(["export", "预算执行率", "--format", "csv", "--statements"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for l in lines {
        let start: String = l.chars().take(2).collect();
        assert!(text.contains(&format!("'{start}")), "{start}: {text}");
        assert!(!text.contains(&format!(",{start}")) && !text.contains(&format!("\"{start}")), "{start}: {text}");
    }
}

#[test]
fn right_to_left_overrides_do_not_reach_the_terminal() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("a\u{202e}txt.exe.txt"), "桐庐县档案馆2023年度部门整体支出绩效自评报告\n一、存在的问题\n预算执行率\u{202e}偏低\u{2066}，支出进度慢。\n").unwrap();
    let data = ingest(dir.path());
    let id = run_json(data.path(), &["reports", "--format", "json"])[0]["id"].as_str().unwrap().to_string();
    for args in [vec!["show", id.as_str()], vec!["search", "预算执行率"], vec!["reports"]] {
        let out = jixiao(data.path()).args(&args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains('\u{202e}') && !text.contains('\u{2066}'), "{args:?}: {text}");
    }
}

/// Runs a shell script as root of a private mount namespace (`unshare -r -m`), where it may mount a
/// small tmpfs; None where this machine does not allow user namespaces.
#[cfg(unix)]
fn in_own_mounts(script: &str, env: &[(&str, &Path)]) -> Option<std::process::Output> {
    let probe = std::process::Command::new("unshare").args(["-r", "-m", "true"]).output().ok()?;
    if !probe.status.success() {
        return None;
    }
    let mut cmd = std::process::Command::new("unshare");
    cmd.args(["-r", "-m", "sh", "-c", script]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Some(cmd.output().unwrap())
}

#[cfg(unix)]
#[test]
fn a_rebuild_on_a_full_disk_says_so() {
    let corpus = TempDir::new().unwrap();
    synth_corpus(corpus.path(), 7, 300);
    let data = ingest(corpus.path());
    let mnt = TempDir::new().unwrap();
    // A 32 MB disk holding the data directory and a filler that leaves 1 MB free: the store opens,
    // the new index does not fit.
    let script = r#"
        mount -t tmpfs -o size=32m tmpfs "$MNT" || exit 99
        cp -r "$DATA" "$MNT/data"
        free=$(df -k --output=avail "$MNT" | tail -1)
        dd if=/dev/zero of="$MNT/filler" bs=1024 count=$((free - 1024)) 2>/dev/null
        "$BIN" --data "$MNT/data" --quiet rebuild; echo "first=$?"
        rm "$MNT/filler"
        "$BIN" --data "$MNT/data" --quiet rebuild >/dev/null; echo "second=$?"
        "$BIN" --data "$MNT/data" --quiet reports --format json | wc -l
    "#;
    let bin = assert_cmd::cargo::cargo_bin("jixiao");
    let Some(out) = in_own_mounts(script, &[("MNT", mnt.path()), ("DATA", data.path()), ("BIN", &bin)]) else {
        eprintln!("notice: this machine does not allow user namespaces (unshare -r -m); the full-disk rebuild test was SKIPPED");
        return;
    };
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("first=2"), "{stdout}{stderr}");
    assert!(stderr.contains("the disk is full") && !stderr.contains("killed"), "{stderr}");
    assert!(stdout.contains("second=0") && stdout.trim_end().ends_with("300"), "{stdout}{stderr}");
}

#[test]
fn utf16_without_a_byte_order_mark_is_read() {
    let dir = TempDir::new().unwrap();
    let text = std::fs::read_to_string(samples().join("tonglu_shuili_2022.txt")).unwrap();
    std::fs::write(dir.path().join("le.txt"), text.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>()).unwrap();
    std::fs::write(dir.path().join("be.txt"), text.replace("2022", "2021").encode_utf16().flat_map(u16::to_be_bytes).collect::<Vec<u8>>()).unwrap();
    let data = ingest(dir.path());
    let reports = run_json(data.path(), &["reports", "--format", "json"]);
    assert_eq!(reports.len(), 2);
    for r in &reports {
        assert!(r["department"].as_str().is_some_and(|d| d.starts_with("桐庐县")), "{r}");
    }
}

#[cfg(unix)]
#[test]
fn check_dry_run_reads_a_read_only_data_directory() {
    let data = ingest(&samples());
    let script = r#"
        mount --bind "$DATA" "$DATA" && mount -o remount,bind,ro "$DATA" || exit 99
        touch "$DATA/probe" 2>/dev/null && echo "writable"
        "$BIN" --data "$DATA" --quiet check --dry-run; echo "dry=$?"
        "$BIN" --data "$DATA" --quiet check; echo "fix=$?"
    "#;
    let bin = assert_cmd::cargo::cargo_bin("jixiao");
    let Some(out) = in_own_mounts(script, &[("DATA", data.path()), ("BIN", &bin)]) else {
        eprintln!("notice: this machine does not allow user namespaces (unshare -r -m); the read-only check test was SKIPPED");
        return;
    };
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains("writable"), "the mount must be read-only: {stdout}");
    assert!(stdout.contains("consistent") && stdout.contains("dry=0"), "{stdout}{stderr}");
    // Repairing needs to write: refused with a reason, not a crash.
    assert!(stdout.contains("fix=2") && stderr.contains("jixiao.lock"), "{stdout}{stderr}");
}
