//! Snippets: a fragment of a section around the densest cluster of the query's words, with the
//! matches marked.

/// Characters a snippet shows around its matches.
const SNIPPET_CHARS: usize = 90;
/// Matches a snippet looks at: the first ones in the text, longer terms first.
const MAX_SNIPPET_MATCHES: usize = 256;

/// A fragment of `text` around the densest cluster of `terms`, with the byte ranges of the matches.
/// Matching the query's words directly (rather than re-segmenting the text) keeps query time
/// independent of document length.
pub fn snippet(text: &str, terms: &[String]) -> (String, Vec<(usize, usize)>) {
    // Longer words first, so that 政府采购执行率 wins over 采购 at the same place.
    let mut terms: Vec<&String> = terms.iter().filter(|t| !t.is_empty()).collect();
    terms.sort_by_key(|t| std::cmp::Reverse(t.len()));
    // At most MAX_SNIPPET_MATCHES matches are considered: a section repeating one sentence
    // megabytes long must not make the overlap checks quadratic.
    let mut found: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, term index)
    'terms: for (ti, t) in terms.iter().enumerate() {
        for (i, _) in text.match_indices(t.as_str()) {
            if found.len() >= MAX_SNIPPET_MATCHES {
                break 'terms;
            }
            let end = i + t.len();
            if !found.iter().any(|(a, b, _)| i < *b && end > *a) {
                found.push((i, end, ti));
            }
        }
    }
    found.sort();
    if found.is_empty() {
        let s = crate::text::prefix_chars(text, SNIPPET_CHARS);
        let tail = if s.len() < text.len() { "…" } else { "" };
        return (format!("{s}{tail}"), vec![]);
    }
    // The window (starting at a match) with the most distinct terms.
    let window_bytes = |start: usize| text[start..].char_indices().nth(SNIPPET_CHARS).map_or(text.len(), |(i, _)| start + i);
    let mut best = (0usize, found[0].0);
    for (k, (start, _, _)) in found.iter().enumerate() {
        let end = window_bytes(*start);
        let distinct: std::collections::HashSet<usize> = found[k..].iter().take_while(|(a, b, _)| *a < end && *b <= end).map(|x| x.2).collect();
        if distinct.len() > best.0 {
            best = (distinct.len(), *start);
        }
    }
    // A little context before the first match, back to a sentence start if close.
    let mut from = best.1;
    for (n, (i, c)) in text[..best.1].char_indices().rev().enumerate() {
        if n >= 20 || matches!(c, '。' | '；' | '\n' | '！' | '？') {
            break;
        }
        from = i;
    }
    let to = window_bytes(from);
    let ranges: Vec<std::ops::Range<usize>> =
        found.iter().filter(|(a, b, _)| *a >= from && *b <= to).map(|(a, b, _)| (a - from)..(b - from)).collect();
    finish_fragment(text, from..to, &ranges)
}

/// A fragment extended to the end of its sentence (tantivy stops at the last word, so "52.7%"
/// would lose its "%"), with "…" where text was left out; highlight ranges shift with it.
fn finish_fragment(text: &str, range: std::ops::Range<usize>, highlights: &[std::ops::Range<usize>]) -> (String, Vec<(usize, usize)>) {
    let mut end = range.end.min(text.len());
    for (n, (i, c)) in text[end..].char_indices().enumerate() {
        if n >= 30 || c == '\n' {
            break;
        }
        end = range.end + i + c.len_utf8();
        if matches!(c, '。' | '；' | '！' | '？' | ';') {
            break;
        }
    }
    let lead = if range.start > 0 { "…" } else { "" };
    let tail = if end < text.len() { "…" } else { "" };
    let shifted = highlights.iter().map(|r| (r.start + lead.len(), r.end + lead.len())).collect();
    (format!("{lead}{}{tail}", &text[range.start..end]), shifted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_end_with_their_sentence() {
        let text = "开头的话。政府采购执行率仅为52.7%。后面还有很多别的内容";
        let start = text.find("政府").unwrap();
        let end = text.find("52.7").unwrap() + 4;
        let (s, h) = finish_fragment(text, start..end, &[0.."政府采购执行率".len()]);
        assert_eq!(s, "…政府采购执行率仅为52.7%。…");
        assert_eq!(&s[h[0].0..h[0].1], "政府采购执行率");
    }

    #[test]
    fn snippets_of_huge_repetitive_sections_take_linear_time() {
        let text = "预算执行率偏低，预算编制不够精准。".repeat(300_000); // about 5 MB
        let started = std::time::Instant::now();
        let (s, h) = snippet(&text, &["预算".to_string(), "执行率".to_string()]);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
        assert!(s.contains("预算") && !h.is_empty());
    }
}
