//! The browser app: every page and API route over HTTP, report text with markup escaped, who may
//! send requests (Host, Origin, the upload token), uploads, and an end-to-end run in headless Chromium that saves the
//! screenshots the README shows.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use tempfile::TempDir;

/// A report of our own whose text carries markup, to check that no page inserts it raw.
const MARKUP_REPORT: &str = "青山县文化和旅游局2023年度部门整体支出绩效自评报告\n\
一、部门基本情况\n青山县文化和旅游局负责全县文化旅游事业，<b>年度预算</b>收入1200万元。\n\
二、存在的问题\n（一）<script>alert('jixiao')</script>部分项目资金支付进度缓慢，预算执行率仅为71.5%。\n\
（二）政府采购执行率偏低，采购计划编制不够精准。\n\
（三）部分档案资料归档整理滞后。\n\
三、改进措施\n加强预算执行监控，提高资金使用效益。\n";

/// The server, stopped when dropped.
struct Server {
    child: Child,
    addr: String,
    _data: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn start(extra: &[&str]) -> Server {
    let data = TempDir::new().unwrap();
    let docs = TempDir::new().unwrap();
    for e in std::fs::read_dir(samples()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), docs.path().join(e.file_name())).unwrap();
    }
    std::fs::write(docs.path().join("qingshan_wenlv_2023.txt"), MARKUP_REPORT).unwrap();
    jixiao(data.path()).arg("ingest").arg(docs.path()).assert().success();
    let mut child = jixiao_std(data.path()).args(["serve", "--port", "0"]).args(extra).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|s| s.split('/').next()).unwrap_or_else(|| panic!("no address in {line:?}")).to_string();
    Server { child, addr, _data: data }
}

struct Reply {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One HTTP/1.1 request; the server answers with a length, so the connection is read to its end.
fn request(addr: &str, method: &str, path: &str, content_type: &str, body: &[u8]) -> Reply {
    request_with(addr, &[("Host", addr)], method, path, content_type, body)
}

/// `request` with the headers given (Host among them).
fn request_with(addr: &str, headers: &[(&str, &str)], method: &str, path: &str, content_type: &str, body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    write!(s, "{method} {path} HTTP/1.1\r\n{extra}Connection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n", body.len()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let content_type = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_string())).unwrap_or_default();
    Reply { status, content_type, body: raw[split + 4..].to_vec() }
}

fn get(addr: &str, path: &str) -> Reply {
    request(addr, "GET", path, "text/plain", b"")
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[test]
fn every_page_and_api_route_answers_and_escapes_report_text() {
    let srv = start(&[]);
    let a = srv.addr.as_str();
    // Search page with facets, hits and export links.
    let page = get(a, &format!("/?q={}", enc("预算执行率")));
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    let html = page.text();
    for want in ["data-facet=\"year\"", "data-facet=\"dept\"", "data-facet=\"theme\"", "<mark>", "/export.xlsx?", "个章节"] {
        assert!(html.contains(want), "search page lacks {want}");
    }
    // The report with markup: its text is shown, escaped, on every page that shows it.
    let api = get(a, &format!("/api/search?q={}", enc("资金支付进度缓慢")));
    let hits = api.json();
    let hit = &hits["hits"][0];
    assert_eq!(hit["department"], "青山县文化和旅游局");
    let report_id = hit["report_id"].as_str().unwrap().to_string();
    let seq = hit["seq"].as_u64().unwrap();
    for path in [format!("/?q={}", enc("资金支付进度缓慢")), format!("/report/{report_id}?hit={seq}"), format!("/department?name={}", enc("青山县文化和旅游局"))] {
        let body = get(a, &path).text();
        assert!(!body.contains("<script>alert"), "{path} inserts report markup raw");
        assert!(!body.contains("<b>年度预算</b>"), "{path} inserts report markup raw");
    }
    let report = get(a, &format!("/report/{report_id}?hit={seq}")).text();
    assert!(report.contains("&lt;script&gt;alert("), "the text is shown escaped");
    assert!(report.contains("class=\"sec hit\""), "the hit is marked");
    assert!(report.contains("相似问题"), "statements link to similar problems");
    // A problem no theme names links to its similar problems too.
    let untagged = get(a, &format!("/api/search?q={}", enc("档案资料归档整理滞后"))).json();
    let untagged = &untagged["hits"][0];
    assert_eq!(untagged["report_id"].as_str(), Some(report_id.as_str()));
    assert!(untagged["themes"].as_array().is_none_or(|t| t.is_empty()), "{untagged}");
    let link = format!("/similar/{report_id}-{:03}.1", untagged["seq"].as_u64().unwrap());
    assert!(report.contains(&format!("href=\"{link}\"")), "no similar link for the untagged statement");
    assert_eq!(get(a, &link).status, 200);
    // Problems: heatmap, theme table, one theme, discovered clusters.
    let problems = get(a, "/problems").text();
    assert!(problems.contains("class=\"heatmap\"") && problems.contains("/problems/theme/procurement_low"));
    let theme = get(a, "/problems/theme/procurement_low");
    assert_eq!(theme.status, 200);
    assert!(theme.text().contains("平遥县教育局"));
    assert_eq!(get(a, "/problems/discover").status, 200);
    assert_eq!(get(a, "/problems/theme/nosuch").status, 404);
    // Department over the years, with its chart.
    let dept = get(a, &format!("/department?name={}", enc("平遥县教育局"))).text();
    assert!(dept.contains("<svg") && dept.contains("2021") && dept.contains("2023"));
    assert!(get(a, "/department").text().contains("桐庐县水利局"));
    // Metrics: table and distribution.
    let metrics = get(a, "/metrics?name=procurement_exec_rate&below=90").text();
    assert!(metrics.contains("<svg") && metrics.contains("41.3"));
    assert_eq!(get(a, "/metrics?name=nosuch").status, 200, "a bad metric is a message on the page");
    assert!(get(a, "/metrics?name=nosuch").text().contains("未知的指标"));
    // Similar problems of a statement.
    let similar = get(a, &format!("/similar/{report_id}-{seq:03}.1"));
    assert_eq!(similar.status, 200, "{}", similar.text());
    // Exports of the current search.
    let csv = get(a, &format!("/export.csv?q={}&year=2023", enc("预算")));
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(csv.text().lines().count() > 1 && csv.text().lines().skip(1).all(|l| l.contains(",2023,")));
    let xlsx = get(a, &format!("/export.xlsx?q={}", enc("预算")));
    assert!(xlsx.body.starts_with(b"PK"), "an xlsx file");
    // The JSON API returns what --format json does.
    let s = get(a, &format!("/api/search?q={}&per_page=5", enc("预算"))).json();
    assert!(s["total"].as_u64().unwrap() > 5 && s["hits"].as_array().unwrap().len() == 5);
    assert!(s["facets"]["years"].is_array() && s["hits"][0]["section_kind"].is_string());
    assert!(get(a, &format!("/api/report/{report_id}")).json()["sections"].as_array().unwrap().len() >= 3);
    assert!(get(a, "/api/problems").json()["by_year"]["rows"].is_array());
    assert!(get(a, "/api/problems/theme/procurement_low").json().as_array().is_some());
    assert!(get(a, "/api/problems/discover").json().is_array());
    assert!(get(a, &format!("/api/department?name={}", enc("平遥县教育局"))).json()["years"].as_array().unwrap().len() == 3);
    assert!(get(a, "/api/metrics?name=budget_exec_rate").json().as_array().is_some());
    assert!(get(a, &format!("/api/similar/{report_id}-{seq:03}.1")).json().is_array());
    // Limits and errors get a clear answer.
    let long = "预".repeat(1500);
    assert!(get(a, &format!("/?q={}", enc(&long))).text().contains("超过上限 1000 个字"));
    assert_eq!(get(a, &format!("/api/search?q={}", enc(&long))).status, 400);
    assert_eq!(get(a, "/api/search?q=x&per_page=100000").status, 400);
    assert!(get(a, &format!("/?q={}", enc("\"政府采购"))).text().contains("引号"));
    assert_eq!(get(a, "/report/000000000000").status, 404);
    assert_eq!(get(a, "/ingest").status, 404, "ingest is off unless asked for");
    assert_eq!(get(a, "/assets/app.js").status, 200);
}

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "jixiaoBoundary7MA4YWxkTrZu0gW";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The token the upload page carries.
fn upload_token(addr: &str) -> String {
    let page = get(addr, "/ingest").text();
    let at = page.find("data-token=\"").expect("the upload page carries a token") + "data-token=\"".len();
    page[at..].split('"').next().unwrap().to_string()
}

/// An upload as the app's page sends it: the same origin, with the page's token.
fn upload(addr: &str, name: &str, bytes: &[u8]) -> Reply {
    let token = upload_token(addr);
    let origin = format!("http://{addr}");
    let (ct, body) = multipart(name, bytes);
    request_with(addr, &[("Host", addr), ("Origin", &origin), ("X-Jixiao-Token", &token)], "POST", "/api/ingest", &ct, &body)
}

#[test]
fn uploads_are_ingested_only_when_allowed_and_new_reports_appear() {
    let srv = start(&["--allow-ingest"]);
    let a = srv.addr.as_str();
    assert!(get(a, "/ingest").text().contains("id=\"drop\""));
    let text = MARKUP_REPORT.replace("青山县", "白水县").replace("71.5%", "64.2%");
    let r = upload(a, "../../etc/白水县文旅局2023.txt", text.as_bytes()).json();
    assert_eq!(r["ok"], true, "{r}");
    let found = get(a, &format!("/api/search?q={}", enc("64.2%"))).json();
    assert_eq!(found["hits"][0]["department"], "白水县文化和旅游局", "the new report is searchable at once");
    // The same file again: already there.
    let again = upload(a, "../../etc/白水县文旅局2023.txt", text.as_bytes()).json();
    assert!(again["message"].as_str().unwrap().contains("已在库中"), "{again}");
    // Not a report, and a format jixiao does not read.
    assert_eq!(upload(a, "empty.txt", b"").json()["ok"], false);
    assert!(upload(a, "photo.jpg", b"\xff\xd8\xff").json()["message"].as_str().unwrap().contains("不是支持的格式"));
    // A name of 90 Chinese characters (270 bytes, more than a file system takes) is shortened.
    let long = format!("{}.txt", "长".repeat(90));
    let r = upload(a, &long, MARKUP_REPORT.replace("青山县", "红石县").as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["ok"], true, "{}", r.text());
    // A .zip of reports: each is ingested, and the reply counts them.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for county in ["黑山县", "绿水县"] {
        zip.start_file(format!("{county}文旅局2023.txt"), opts).unwrap();
        std::io::Write::write_all(&mut zip, MARKUP_REPORT.replace("青山县", county).as_bytes()).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let r = upload(a, "两个县.zip", &bytes).json();
    assert_eq!(r["ok"], true, "{r}");
    assert!(r["message"].as_str().unwrap().contains("2 份报告，新导入 2 份"), "{r}");
    let found = get(a, &format!("/api/search?q={}", enc("绿水县"))).json();
    assert!(found["total"].as_u64().unwrap() > 0);
}

#[test]
fn a_foreign_host_is_refused_on_every_route() {
    // A page on another site that rebinds its name to this machine sends its own name as Host.
    let srv = start(&[]);
    let a = srv.addr.as_str();
    for path in ["/", "/api/search?q=%E9%A2%84%E7%AE%97", "/problems", "/export.csv?q=%E9%A2%84%E7%AE%97"] {
        let r = request_with(a, &[("Host", "evil.example")], "GET", path, "text/plain", b"");
        assert_eq!(r.status, 403, "{path}");
        assert!(!r.text().contains("青山县"), "{path}: no report text for a foreign host");
        let r = request_with(a, &[("Host", "evil.example:8080")], "GET", path, "text/plain", b"");
        assert_eq!(r.status, 403, "{path}");
    }
    // The names of this machine are served.
    let port = a.rsplit(':').next().unwrap();
    for host in [a.to_string(), format!("localhost:{port}")] {
        assert_eq!(request_with(a, &[("Host", &host)], "GET", "/", "text/plain", b"").status, 200, "{host}");
    }
}

#[test]
fn a_cross_origin_or_tokenless_upload_is_refused_and_nothing_is_stored() {
    let srv = start(&["--allow-ingest"]);
    let a = srv.addr.as_str();
    let text = MARKUP_REPORT.replace("青山县", "黑水县");
    let (ct, body) = multipart("heishui.txt", text.as_bytes());
    let token = upload_token(a);
    // From another site: refused even with the token (which such a page cannot read anyway).
    let r = request_with(a, &[("Host", a), ("Origin", "http://evil.example"), ("X-Jixiao-Token", &token)], "POST", "/api/ingest", &ct, &body);
    assert_eq!(r.status, 403, "{}", r.text());
    let r = request_with(a, &[("Host", a), ("Sec-Fetch-Site", "cross-site"), ("X-Jixiao-Token", &token)], "POST", "/api/ingest", &ct, &body);
    assert_eq!(r.status, 403, "{}", r.text());
    // A plain form post (what a cross-site form sends): no token.
    let r = request_with(a, &[("Host", a)], "POST", "/api/ingest", &ct, &body);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("令牌"));
    let r = request_with(a, &[("Host", a), ("X-Jixiao-Token", "0000")], "POST", "/api/ingest", &ct, &body);
    assert_eq!(r.status, 403);
    assert_eq!(get(a, &format!("/api/search?q={}", enc("黑水县"))).json()["total"], 0, "nothing was stored");
    // The app's own page's upload goes through.
    assert_eq!(upload(a, "heishui.txt", text.as_bytes()).json()["ok"], true);
    assert!(get(a, &format!("/api/search?q={}", enc("黑水县"))).json()["total"].as_u64().unwrap() > 0);
}

#[test]
fn reports_ingested_by_the_cli_while_serving_appear_and_several_users_are_served() {
    let srv = start(&[]);
    let a = srv.addr.clone();
    let before = get(&a, "/api/search?q=%E7%99%BD%E6%B0%B4%E5%8E%BF").json()["total"].as_u64().unwrap();
    assert_eq!(before, 0);
    // Another process writes while the server reads.
    let docs = TempDir::new().unwrap();
    std::fs::write(docs.path().join("baishui.txt"), MARKUP_REPORT.replace("青山县", "白水县")).unwrap();
    let data = srv._data.path().to_path_buf();
    jixiao(&data).arg("ingest").arg(docs.path()).assert().success();
    let after = get(&a, "/api/search?q=%E7%99%BD%E6%B0%B4%E5%8E%BF").json()["total"].as_u64().unwrap();
    assert!(after > 0, "the commit is picked up by the next request");
    // Eight users at once, each a few pages.
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let a = a.clone();
            std::thread::spawn(move || {
                for path in ["/", "/problems", "/metrics", &format!("/?q={}&page={}", enc("预算"), i % 3 + 1)] {
                    assert_eq!(get(&a, path).status, 200, "{path}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn without_ingest_allowed_uploads_are_refused() {
    let srv = start(&[]);
    let (ct, body) = multipart("a.txt", MARKUP_REPORT.as_bytes());
    assert_eq!(request(&srv.addr, "POST", "/api/ingest", &ct, &body).status, 403);
}

fn chromium() -> Option<std::path::PathBuf> {
    std::env::var_os("CHROME")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].map(std::path::PathBuf::from))
        .find(|p| p.exists())
}

/// Opens the app in headless Chromium as an analyst would: search, narrow by a facet, open a report
/// from a hit, the problems heatmap, a department. Screenshots go to target/screenshots, and to
/// docs/screenshots (the README's) when JIXIAO_SCREENSHOTS=docs.
#[test]
fn browser_end_to_end() {
    let Some(chrome) = chromium() else {
        common::missing("Chromium (install Debian's chromium, or set CHROME)");
        return;
    };
    use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
    use headless_chrome::{Browser, LaunchOptions};
    let srv = start(&[]);
    let base = format!("http://{}", srv.addr);
    let options = LaunchOptions::default_builder()
        .path(Some(chrome))
        .sandbox(false)
        .window_size(Some((1280, 900)))
        .idle_browser_timeout(std::time::Duration::from_secs(120))
        .build()
        .unwrap();
    let browser = Browser::new(options).unwrap();
    let tab = browser.new_tab().unwrap();
    let out = common::root().join("target/screenshots");
    std::fs::create_dir_all(&out).unwrap();
    let docs = std::env::var("JIXIAO_SCREENSHOTS").is_ok_and(|v| v == "docs").then(|| common::root().join("docs/screenshots"));
    let shot = |name: &str| {
        let png = tab.capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true).unwrap();
        assert!(png.len() > 10_000, "{name}: a real picture");
        std::fs::write(out.join(format!("{name}.png")), &png).unwrap();
        if let Some(d) = &docs {
            std::fs::write(d.join(format!("{name}.png")), &png).unwrap();
        }
    };
    // The overview, then a search from its box.
    tab.navigate_to(&base).unwrap().wait_until_navigated().unwrap();
    tab.wait_for_element("div.overview table.bars").unwrap();
    shot("overview");
    tab.wait_for_element("input[name=q]").unwrap().click().unwrap();
    tab.type_str("预算执行率").unwrap().press_key("Enter").unwrap();
    tab.wait_for_element("li.hit").unwrap();
    assert!(tab.get_url().contains("q="));
    let before = tab.find_elements("li.hit").unwrap().len();
    shot("search");
    // A facet narrows the hits.
    tab.find_element("section.facet[data-facet=year] li a").unwrap().click().unwrap();
    tab.wait_until_navigated().unwrap();
    tab.wait_for_element(".chips .chip").unwrap();
    assert!(tab.get_url().contains("year="));
    let after = tab.find_element("span.total").unwrap().get_inner_text().unwrap();
    assert!(!after.is_empty() && before > 0);
    // A hit opens its report with the hit highlighted and in view.
    tab.find_element("li.hit a.path").unwrap().click().unwrap();
    tab.wait_until_navigated().unwrap();
    let hit = tab.wait_for_element("section.sec.hit").unwrap();
    let visible = || {
        let v = hit.call_js_fn("function() { const r = this.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; }", vec![], false).unwrap();
        v.value == Some(serde_json::Value::Bool(true))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !visible() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(visible(), "the hit is scrolled into view");
    shot("report");
    // The problems heatmap.
    tab.navigate_to(&format!("{base}/problems")).unwrap().wait_until_navigated().unwrap();
    tab.wait_for_element("table.heatmap td a").unwrap();
    shot("problems");
    // A department across years.
    tab.navigate_to(&format!("{base}/department")).unwrap().wait_until_navigated().unwrap();
    tab.find_element_by_xpath("//ul[@class='columns']//a[contains(., '平遥县教育局')]").unwrap().click().unwrap();
    tab.wait_until_navigated().unwrap();
    tab.wait_for_element("svg.chart").unwrap();
    shot("department");
    // Metrics below a threshold.
    tab.navigate_to(&format!("{base}/metrics?name=budget_exec_rate")).unwrap().wait_until_navigated().unwrap();
    tab.wait_for_element("table.data").unwrap();
    shot("metrics");
}

#[test]
fn discovered_clusters_in_the_app_are_the_clis() {
    // Four counties state the same problem no theme names: one cluster.
    let srv = start(&[]);
    let docs = TempDir::new().unwrap();
    for county in ["白水县", "黑石县", "红河县"] {
        std::fs::write(docs.path().join(format!("{county}.txt")), MARKUP_REPORT.replace("青山县", county)).unwrap();
    }
    let data = srv._data.path().to_path_buf();
    jixiao(&data).arg("ingest").arg(docs.path()).assert().success();
    let cli = json_lines(&jixiao(&data).args(["problems", "--discover", "--format", "json"]).output().unwrap().stdout);
    assert!(cli.iter().any(|c| c["examples"].to_string().contains("档案资料归档整理滞后")), "{cli:?}");
    let app = get(&srv.addr, "/api/problems/discover").json();
    assert_eq!(app.as_array().unwrap(), &cli);
    assert!(get(&srv.addr, "/problems/discover").text().contains("档案资料归档整理滞后"));
}

/// Raises this process's open-file limit so that it can hold many connections itself.
fn raise_open_files(want: u64) -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        let raised = libc::rlimit { rlim_cur: lim.rlim_max.min(want.max(lim.rlim_cur)), rlim_max: lim.rlim_max };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            lim = raised;
        }
    }
    lim.rlim_cur
}

#[test]
fn slow_clients_do_not_starve_searches() {
    let srv = start(&[]);
    let a = srv.addr.clone();
    // 1,100 clients that send one byte of their headers and then wait; fewer where the open-file
    // limit is lower (the server's cap is that limit less 256; room is kept for the searches).
    let n = 1100.min(raise_open_files(4096).saturating_sub(400) as usize);
    assert!(n >= 500, "this machine allows only {n} connections to be held");
    let mut slow = Vec::new();
    for _ in 0..n {
        let mut s = TcpStream::connect(&a).unwrap();
        s.write_all(b"G").unwrap();
        slow.push(s);
    }
    // Searches are answered at once while they wait (each request has 5 s).
    for i in 0..20 {
        let mut s = TcpStream::connect(&a).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        write!(s, "GET /api/search?q={}&page={} HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\n\r\n", enc("预算"), i % 3 + 1).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap_or_else(|e| panic!("search {i} was not answered while {n} slow clients wait: {e}"));
        assert!(raw.starts_with(b"HTTP/1.1 200"), "search {i}: {}", String::from_utf8_lossy(&raw[..raw.len().min(200)]));
    }
    // A client that never finishes its headers is closed once the header deadline passes.
    let mut first = slow.swap_remove(0);
    first.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let _ = first.read_to_end(&mut rest);
    assert!(started.elapsed() < std::time::Duration::from_secs(25), "a slow client was held {:?}", started.elapsed());
}

/// The server's peak resident memory, in KB.
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.split_whitespace().next()).and_then(|v| v.parse().ok()).unwrap()
}

#[test]
fn uploads_stream_to_disk_and_memory_stays_bounded() {
    let srv = start(&["--allow-ingest"]);
    let a = srv.addr.clone();
    // What the server loads once (the word segmenter's dictionary, about 45 MB, and the tables it
    // prepares for the problems pages) is loaded before the baseline: it is not the uploads'.
    assert_eq!(get(&a, &format!("/?q={}", enc("预算"))).status, 200);
    assert_eq!(get(&a, "/api/problems/discover").status, 200);
    let before = peak_rss_kb(srv.child.id());
    // Twelve parallel uploads of 20 MB each (held whole, they would add 240 MB).
    let threads: Vec<_> = (0..12)
        .map(|i| {
            let a = a.clone();
            std::thread::spawn(move || {
                let bytes = vec![b'x'; 20 << 20];
                upload(&a, &format!("big{i}.bin"), &bytes)
            })
        })
        .collect();
    for t in threads {
        let r = t.join().unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.json()["message"].as_str().unwrap().contains("不是支持的格式"), "{}", r.text());
    }
    let grown = peak_rss_kb(srv.child.id()).saturating_sub(before);
    // Measured 8–14 MB; two uploads received at once and held whole would add 40 MB.
    assert!(grown < 32 * 1024, "12 uploads of 20 MB grew the server's peak memory by {} MB", grown / 1024);
    // Nothing half-received is left behind.
    let left: Vec<_> = std::fs::read_dir(srv._data.path().join("uploads")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn malformed_parameters_and_unknown_paths_get_a_page_or_json_with_a_message() {
    let srv = start(&[]);
    let a = srv.addr.as_str();
    for path in ["/?q=x&page=abc", "/?page=-1"] {
        let r = get(a, path);
        assert_eq!(r.status, 400, "{path}");
        assert!(r.content_type.starts_with("text/html") && r.text().contains("参数有误"), "{path}: {}", r.text());
    }
    let r = get(a, "/api/search?q=x&per_page=many");
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("参数有误"), "{}", r.text());
    let r = get(a, "/no/such/page");
    assert_eq!(r.status, 404);
    assert!(r.content_type.starts_with("text/html") && r.text().contains("没有这个页面"), "{}", r.text());
    let r = get(a, "/api/nothing");
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].is_string());
    // Numbers arrive as text inside the API's flattened parameters, and are read.
    let r = get(a, "/api/search?q=%E9%A2%84%E7%AE%97&page=2&per_page=5");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json()["page"].as_u64(), r.json()["per_page"].as_u64()), (Some(2), Some(5)));
    // page=0 is read as the first page.
    assert_eq!(get(a, "/?q=%E9%A2%84%E7%AE%97&page=0").status, 200);
}

#[test]
fn the_apps_tables_are_paged_and_download_whole() {
    let srv = start(&[]);
    let docs = TempDir::new().unwrap();
    synth_corpus(docs.path(), 5, 120);
    jixiao(srv._data.path()).arg("ingest").arg(docs.path()).assert().success();
    let all = get(&srv.addr, "/api/metrics").json();
    let total = all.as_array().unwrap().len();
    assert!(total > 200, "the test needs more than one page: {total} rows");
    let first = get(&srv.addr, "/metrics").text();
    let rows = |page: &str| page.matches("<a class=\"sid\"").count();
    assert_eq!(rows(&first), 200);
    let pages = total.div_ceil(200);
    assert!(first.contains(&format!("第 1 / {pages} 页")), "no pager");
    let last = get(&srv.addr, &format!("/metrics?page={pages}")).text();
    assert_eq!(rows(&last), total - (pages - 1) * 200);
    // The export holds every row, not one page.
    let csv = get(&srv.addr, "/metrics/metrics.csv");
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    assert_eq!(csv.text().lines().count(), total + 1, "header and every row");
    let xlsx = get(&srv.addr, "/metrics/metrics.xlsx");
    assert_eq!(xlsx.status, 200);
    let book: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(xlsx.body.clone())).expect("a workbook");
    assert_eq!(calamine::Reader::sheet_names(&book), ["指标"]);
    assert_eq!(get(&srv.addr, "/metrics/other.txt").status, 404);
    // The 问题 page's heatmap and theme table download too, with the rows the API gives.
    let api = get(&srv.addr, "/api/problems").json();
    let heat = get(&srv.addr, "/problems/by-year.csv");
    assert_eq!(heat.status, 200);
    assert_eq!(heat.text().lines().count(), api["by_year"]["rows"].as_array().unwrap().len() + 1);
    let themes = get(&srv.addr, "/problems/problems.xlsx");
    assert!(themes.status == 200 && themes.body.starts_with(b"PK"));
    assert!(get(&srv.addr, "/problems").text().contains("/problems/by-year.xlsx"));
    assert_eq!(get(&srv.addr, "/problems/other.csv").status, 404);
}

#[test]
fn a_units_names_are_one_department_in_the_app_until_the_user_splits_them() {
    let srv = start(&[]);
    let a = srv.addr.clone();
    let docs = TempDir::new().unwrap();
    let other = MARKUP_REPORT.replacen("青山县文化和旅游局2023", "温州市青山县文化和旅游局2022", 1);
    std::fs::write(docs.path().join("qingshan_2022.txt"), other).unwrap();
    let data = srv._data.path().to_path_buf();
    jixiao(&data).arg("ingest").arg(docs.path()).assert().success();
    let names = |list: &str| list.matches("青山县文化和旅游局</a>").count();
    let page = get(&a, &format!("/department?name={}", enc("青山县文化和旅游局"))).text();
    // Shown with the fuller name (one report each), the other name noted.
    assert!(page.contains("<h1>温州市青山县文化和旅游局") && page.contains("报告中也写作：青山县文化和旅游局"), "{page}");
    let api = get(&a, &format!("/api/department?name={}", enc("温州市青山县文化和旅游局"))).json();
    assert_eq!(api["years"].as_array().unwrap().len(), 2, "{api}");
    assert_eq!(names(&get(&a, "/department").text()), 1, "one unit in the list");
    // A split made with the CLI while the app runs is picked up by the next request.
    jixiao(&data).args(["units", "split", "温州市青山县文化和旅游局"]).assert().success();
    let api = get(&a, &format!("/api/department?name={}", enc("青山县文化和旅游局"))).json();
    assert_eq!(api["years"].as_array().unwrap().len(), 1, "{api}");
    assert_eq!(names(&get(&a, "/department").text()), 2);
}

/// A form the app's pages send: the same origin, the page's token, urlencoded fields.
fn post_form(addr: &str, path: &str, fields: &[(&str, &str)], token: Option<&str>) -> Reply {
    let origin = format!("http://{addr}");
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect();
    let mut headers = vec![("Host", addr), ("Origin", origin.as_str())];
    if let Some(t) = token {
        headers.push(("X-Jixiao-Token", t));
    }
    request_with(addr, &headers, "POST", path, "application/x-www-form-urlencoded", body.join("&").as_bytes())
}

#[test]
fn a_reports_unit_and_year_are_corrected_in_the_app_when_writes_are_allowed() {
    let srv = start(&["--allow-ingest"]);
    let a = srv.addr.as_str();
    let hit = &get(a, &format!("/api/search?q={}", enc("资金支付进度缓慢"))).json()["hits"][0];
    let id = hit["report_id"].as_str().unwrap().to_string();
    let page = get(a, &format!("/report/{id}")).text();
    assert!(page.contains("更正单位或年度") && page.contains(&format!("action=\"/api/report/{id}/set\"")), "the report page offers the correction");
    let token = upload_token(a);
    // Without the token: refused, nothing changed.
    let r = post_form(a, &format!("/api/report/{id}/set"), &[("department", "温州市青山县文化和旅游局")], None);
    assert_eq!(r.status, 403);
    // A name that is no name, and a year no report is about: refused with the reason.
    let r = post_form(a, &format!("/api/report/{id}/set"), &[("department", "局"), ("year", "")], Some(&token)).json();
    assert_eq!(r["ok"], false);
    assert!(r["message"].as_str().unwrap().contains("不是单位名称"), "{r}");
    let r = post_form(a, &format!("/api/report/{id}/set"), &[("department", ""), ("year", "1066")], Some(&token)).json();
    assert!(r["message"].as_str().unwrap().contains("1066"), "{r}");
    let r = post_form(a, &format!("/api/report/{id}/set"), &[("department", "平阳县文化和旅游局"), ("year", "2022")], Some(&token)).json();
    assert_eq!(r["ok"], true, "{r}");
    let report = get(a, &format!("/api/report/{id}")).json();
    assert_eq!(report["report"]["department"], "平阳县文化和旅游局", "{report}");
    assert_eq!(report["report"]["fiscal_year"], 2022);
    assert_eq!(report["report"]["region"]["city"], "温州市", "the region follows from the name");
    // The CLI sees the correction, as after `jixiao set`.
    let rows = run_json(srv._data.path(), &["reports", "--format", "json"]);
    assert!(rows.iter().any(|r| r["id"] == id.as_str() && r["department"] == "平阳县文化和旅游局"), "{rows:?}");
}

#[test]
fn units_are_merged_and_split_in_the_app_and_the_cli_sees_it() {
    let srv = start(&["--allow-ingest"]);
    let a = srv.addr.as_str();
    let token = upload_token(a);
    let page = get(a, &format!("/department?name={}", enc("青山县文化和旅游局"))).text();
    assert!(page.contains("合并或拆分单位"), "the department page offers merging");
    let r = post_form(a, "/api/units/merge", &[("into", "青山县文化和旅游局"), ("name", "平遥县教育局")], Some(&token)).json();
    assert_eq!(r["ok"], true, "{r}");
    let units = run_json(srv._data.path(), &["units", "--format", "json"]);
    let merged = units.iter().find(|u| u["name"] == "青山县文化和旅游局").expect("the unit");
    assert_eq!(merged["merged_by_user"], true);
    assert_eq!(merged["variants"].as_array().unwrap().len(), 2, "{merged}");
    let page = get(a, &format!("/department?name={}", enc("平遥县教育局"))).text();
    assert!(page.contains("报告中也写作：平遥县教育局"), "the app picks up the merge");
    // A name no report writes is refused with the names like it.
    let r = post_form(a, "/api/units/merge", &[("into", "青山县文化和旅游局"), ("name", "平遥县教育")], Some(&token)).json();
    assert_eq!(r["ok"], false);
    assert!(r["message"].as_str().unwrap().contains("平遥县教育局"), "{r}");
    let r = post_form(a, "/api/units/split", &[("name", "平遥县教育局")], Some(&token)).json();
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(run_json(srv._data.path(), &["units", "--format", "json"]).iter().filter(|u| u["merged_by_user"] == true).count(), 0);
}

#[test]
fn without_writes_allowed_no_page_offers_a_change_and_the_api_refuses() {
    let srv = start(&[]);
    let a = srv.addr.as_str();
    let page = get(a, &format!("/department?name={}", enc("青山县文化和旅游局"))).text();
    assert!(!page.contains("form class=\"act\""));
    let r = post_form(a, "/api/units/split", &[("name", "平遥县教育局")], Some("x"));
    assert_eq!(r.status, 403);
}

#[test]
fn the_landing_page_is_an_overview_and_every_section_is_a_click_away() {
    let srv = start(&[]);
    let a = srv.addr.as_str();
    // One report without a unit name, to be listed.
    let docs = TempDir::new().unwrap();
    std::fs::write(docs.path().join("nameless.txt"), "2023年度绩效自评报告\n一、基本情况\n全年预算资金80万元。\n二、存在的问题\n（一）政府采购执行率偏低，仅为40.5%。\n").unwrap();
    jixiao(srv._data.path()).arg("ingest").arg(docs.path()).assert().success();
    let page = get(a, "/").text();
    for want in ["库中共", "按年度", "按地区（省）", "按报告类型", "最常见的问题", "/problems/theme/procurement_low", "未识别单位的报告", "nameless.txt", "href=\"/?year=2023\"", "浏览全部章节"] {
        assert!(page.contains(want), "the overview lacks {want}");
    }
    assert!(!page.contains("li class=\"hit\""), "no list of sections before anything is asked");
    // The list of every section, as before.
    let all = get(a, "/?page=1").text();
    assert!(all.contains("个章节") && all.contains("class=\"hit\""), "{all}");
    // A filter alone is a search, not the overview.
    assert!(get(a, "/?year=2023").text().contains("个章节"));
}

#[test]
fn the_apps_messages_are_in_chinese_and_say_what_to_do() {
    let srv = start(&[]);
    let a = srv.addr.as_str();
    let error = |path: &str| {
        let page = get(a, path).text();
        let at = page.find("class=\"error\">").unwrap_or_else(|| panic!("{path}: no message in {page}")) + "class=\"error\">".len();
        page[at..].split('<').next().unwrap().to_string()
    };
    for (path, want) in [
        (format!("/?q={}", enc("\"预算")), "引号"),
        (format!("/?q={}", enc("(((预算")), "括号没有配对"),
        ("/?q=x&year=abc".to_string(), "不是年度"),
        ("/?q=x&theme=xyz".to_string(), "未知的问题主题"),
        ("/?q=x&kind=bad".to_string(), "未知的报告类型"),
        ("/?q=x&page=x".to_string(), "不是整数"),
        ("/problems/theme/zzz".to_string(), "没有问题主题"),
        ("/similar/abc".to_string(), "章节编号"),
    ] {
        let msg = error(&path);
        assert!(msg.contains(want), "{path}: {msg}");
        assert!(msg.chars().filter(|c| is_han(*c)).count() >= 5, "{path}: a message in Chinese: {msg}");
    }
    // A year the collection does not hold: which years it holds.
    let page = get(a, "/?q=x&year=2030").text();
    assert!(page.contains("库中没有 2030 年度的报告；现有年度：2021、2022、2023"), "{page}");
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

#[test]
fn the_units_table_downloads_from_the_department_page() {
    let srv = start(&[]);
    let a = srv.addr.as_str();
    assert!(get(a, "/department").text().contains("/department/units.xlsx"));
    let csv = get(a, "/department/units.csv");
    assert_eq!(csv.status, 200);
    let text = csv.text();
    assert!(text.contains("平遥县教育局（3）") && text.contains("variants"), "{text}");
    let xlsx = get(a, "/department/units.xlsx");
    assert!(xlsx.body.starts_with(b"PK"), "an Excel workbook");
    assert_eq!(get(a, "/department/other.csv").status, 404);
}

#[test]
fn a_chosen_facet_keeps_its_other_values_visible_with_their_counts() {
    let srv = start(&[]);
    let a = srv.addr.as_str();
    let all = get(a, &format!("/api/search?q={}", enc("预算"))).json();
    let years = |v: &serde_json::Value| -> Vec<(String, u64)> {
        v["facets"]["years"].as_array().unwrap().iter().map(|c| (c["value"].as_str().unwrap().to_string(), c["count"].as_u64().unwrap())).collect()
    };
    let before = years(&all);
    assert!(before.len() >= 3, "{before:?}");
    let chosen = get(a, &format!("/api/search?q={}&year=2022", enc("预算"))).json();
    // The hits are 2022's; the year facet still lists every year, with the counts choosing it gives.
    assert!(chosen["total"].as_u64().unwrap() < all["total"].as_u64().unwrap());
    assert_eq!(years(&chosen), before);
    let page = get(a, &format!("/?q={}&year=2022", enc("预算"))).text();
    // The other years are links on the page, each adding its year to the one chosen.
    assert!(page.contains("year=2022%2C2021") && page.contains("year=2022%2C2023"), "the other years are links on the page");
    // Another facet is counted within the chosen year.
    let kinds_all: u64 = all["facets"]["kinds"].as_array().unwrap().iter().map(|c| c["count"].as_u64().unwrap()).sum();
    let kinds_2022: u64 = chosen["facets"]["kinds"].as_array().unwrap().iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert!(kinds_2022 < kinds_all);
}

#[test]
fn several_values_of_one_facet_are_any_of_them() {
    let srv = start(&[]);
    let a = srv.addr.as_str();
    let total = |path: &str| get(a, path).json()["total"].as_u64().unwrap();
    let q = enc("预算");
    let (y22, y23) = (total(&format!("/api/search?q={q}&year=2022")), total(&format!("/api/search?q={q}&year=2023")));
    assert!(y22 > 0 && y23 > 0);
    // Two years: the sections of either (a report has one year, so the counts add up); either
    // comma, in any order.
    assert_eq!(total(&format!("/api/search?q={q}&year=2022,2023")), y22 + y23);
    assert_eq!(total(&format!("/api/search?q={q}&year={}", enc("2023，2022"))), y22 + y23);
    // Two kinds, two categories: likewise.
    let kinds = get(a, &format!("/api/search?q={q}")).json()["facets"]["kinds"].clone();
    let kinds: Vec<(String, u64)> = kinds.as_array().unwrap().iter().map(|c| (c["value"].as_str().unwrap().to_string(), c["count"].as_u64().unwrap())).collect();
    assert!(kinds.len() >= 2, "{kinds:?}");
    let both = format!("{},{}", kinds[0].0, kinds[1].0);
    assert_eq!(total(&format!("/api/search?q={q}&kind={both}")), kinds[0].1 + kinds[1].1);
    let cats = total(&format!("/api/search?q={q}&category=problems")) + total(&format!("/api/search?q={q}&category=budget"));
    assert_eq!(total(&format!("/api/search?q={q}&category=problems,budget")), cats);
    // On the page, a chosen value's link takes it out and another's adds it; each value chosen is
    // a chip of its own.
    let page = get(a, &format!("/?q={q}&year=2022")).text();
    assert!(page.contains("year=2022%2C2023"), "another year's link adds it");
    let page = get(a, &format!("/?q={q}&year=2022,2023")).text();
    assert_eq!(page.matches("class=\"chip\"").count(), 2, "one chip per year");
    assert!(page.matches("class=\"on\"").count() >= 2, "both years shown as chosen");
    // A bad value among good ones is named.
    let bad = get(a, &format!("/api/search?q={q}&year=2022,20x3"));
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("20x3"));
}
