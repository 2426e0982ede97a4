//! The store of record: reports read back exactly as written, with and without the compression
//! dictionary the store trains from its first reports.

use jixiao::schema::Domain;
use jixiao::model::{Report, SourceInfo};
use jixiao::store::Store;

fn reports(seed: u64, n: usize) -> Vec<Report> {
    let domain = Domain::builtin().unwrap();
    jixiao::synth::Generator::new(seed, domain.regions().unwrap())
        .generate(n)
        .into_iter()
        .map(|r| {
            let source = SourceInfo { path: format!("/corpus/{seed}/{}", r.file_name), file_hash: blake3::hash(r.text.as_bytes()).to_hex().to_string(), bytes: r.text.len() as u64, encoding: "utf-8".into(), published: None };
            jixiao::enrich::read_report(&r.text, source, &domain).unwrap()
        })
        .collect()
}

#[test]
fn reports_written_before_and_after_the_dictionary_read_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let early = reports(7, 40);
    let late = reports(8, 160);
    {
        let store = Store::open(&path).unwrap();
        for r in &early {
            store.put(r).unwrap();
        }
        // Too few reports to learn from: no dictionary, and the store works without one.
        store.train().unwrap();
        assert_eq!(store.dictionary_id(), None);
        store.flush().unwrap();
    }
    let plain = {
        let store = Store::open(&path).unwrap();
        let plain = store.report_bytes().unwrap();
        for r in &late {
            store.put(r).unwrap();
        }
        store.train().unwrap();
        assert!(store.dictionary_id().is_some(), "160 reports written in one run train a dictionary");
        store.flush().unwrap();
        plain
    };
    let store = Store::open(&path).unwrap();
    assert!(store.dictionary_id().is_some(), "the dictionary is kept in the store");
    for r in early.iter().chain(&late) {
        assert_eq!(store.get(&r.id).unwrap().as_ref(), Some(r), "report {} reads back as written", r.id);
    }
    assert_eq!(store.all().count(), early.len() + late.len());
    // The 160 reports written with the dictionary (the sampled ones rewritten with it) take less
    // per report than the 40 written without.
    let with_dict = store.report_bytes().unwrap() - plain;
    let per_plain = plain as f64 / early.len() as f64;
    let per_dict = with_dict as f64 / late.len() as f64;
    assert!(per_dict < per_plain * 0.8, "{per_dict:.0} bytes per report with the dictionary, {per_plain:.0} without");
}

#[test]
fn a_full_sample_trains_the_dictionary_during_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let all = reports(9, 1300);
    let mut trained_after = None;
    for (i, r) in all.iter().enumerate() {
        store.put(r).unwrap();
        // The sample is full at 1,000 reports (or 24 MB): the dictionary is trained from them on a
        // thread of its own while the next reports are written, and used once it is ready.
        if i + 1 < 1000 {
            assert_eq!(store.dictionary_id(), None, "after {} reports", i + 1);
        }
        if trained_after.is_none() && store.dictionary_id().is_some() {
            trained_after = Some(i + 1);
        }
    }
    // The writer's last step waits for a training still under way.
    store.train().unwrap();
    let id = store.dictionary_id().expect("a dictionary after 1,300 reports");
    assert!(trained_after.is_none_or(|n| n > 1000), "the dictionary was trained from the first 1,000 reports, not before");
    // Every report written before it was ready, the sampled ones and those written during the
    // training, was rewritten with it.
    assert_eq!(store.reports_without_dictionary().unwrap(), 0);
    for r in &all {
        assert_eq!(store.get(&r.id).unwrap().as_ref(), Some(r));
    }
    // The same dictionary as one trained from the same 1,000 reports in a run that stops there.
    let again = tempfile::tempdir().unwrap();
    let other = Store::open(&again.path().join("store")).unwrap();
    for r in &all[..1000] {
        other.put(r).unwrap();
    }
    other.train().unwrap();
    assert_eq!(other.dictionary_id(), Some(id));
}
