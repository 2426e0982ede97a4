//! The figures that measure a problem: "执行率仅为38.6%" gives 38.6%; the 100% target, a "＞10%"
//! threshold, "147个单位执行率高于90%" (a count of units above a bar) and shares unrelated to a
//! rate do not.

use regex::Regex;
use std::sync::LazyLock;

static PERCENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+(?:\.\d+)?\s*[%％]").expect("percent pattern"));
/// Words just before a figure that make it a target or a threshold, not the measured value.
static NOT_MEASURED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:目标值?|计划|预期|要求|标准|指标值|不低于|不高于|不少于|不超过|高于|低于|超过|大于|小于|以上|以下|≥|≤|>|<|＞|＜|控制在)(?:为|是|:|：)?\s*$")
        .expect("threshold pattern")
});
/// A clause that states a rate or a progress figure.
static RATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"率|进度|比例|比重|占").expect("rate pattern"));

/// The percentages of one statement that measure its problem, in order, without duplicates.
pub fn of_statement(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut after_rate = false;
    for clause in text.split(['，', ',', '。', '；', ';']) {
        // A short clause without a rate word of its own gives the figure of the rate named just
        // before it: "执行率偏低，仅为45%".
        let continues = after_rate && clause.chars().count() <= 12;
        after_rate = RATE.is_match(clause);
        if !after_rate && !continues {
            continue;
        }
        for m in PERCENT.find_iter(clause) {
            let before = &clause[..m.start()];
            let tail: String = before.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect();
            if NOT_MEASURED.is_match(&tail) {
                continue;
            }
            // "100%" is a target or a completion, never the measure of a shortfall.
            let f = m.as_str().replace(' ', "").replace('％', "%");
            let value: f64 = f.trim_end_matches('%').parse().unwrap_or(0.0);
            if value >= 100.0 {
                continue;
            }
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_thresholds_and_counts_above_a_bar_are_not_the_measure() {
        assert_eq!(of_statement("政府采购执行率仅为38.6%，目标值为100%。"), vec!["38.6%"]);
        assert_eq!(of_statement("全市有12个单位预算执行率高于90%。"), Vec::<String>::new());
        assert_eq!(of_statement("预算调整率＞10%，扣2分。"), Vec::<String>::new());
        assert_eq!(of_statement("预算执行率为 87.62 ％，未达到100%的目标。"), vec!["87.62%"]);
        assert_eq!(of_statement("培训经费增长了15%。"), Vec::<String>::new());
        assert_eq!(of_statement("部分项目政府采购执行率偏低，仅为45%。"), vec!["45%"]);
        assert_eq!(of_statement("预算执行率偏低，其中培训经费增长了15%以上。"), Vec::<String>::new());
    }
}
