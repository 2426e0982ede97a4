//! Bytes → text. Detects UTF-8 (with or without BOM), UTF-16 with BOM and the Chinese legacy
//! encodings (GB18030/GBK, Big5) and refuses what is not text.

use encoding_rs::{Encoding, GB18030, UTF_8};
use thiserror::Error;

/// Why bytes are not text.
#[derive(Debug, Error, PartialEq)]
pub enum DecodeError {
    /// No bytes.
    #[error("the file is empty")]
    Empty,
    /// Binary data of the kind named.
    #[error("the file is binary, not text ({0})")]
    Binary(&'static str),
    /// No encoding reads it as plausible text; the reason.
    #[error("cannot tell the text encoding (tried UTF-8, UTF-16, GB18030 and the detector's guess {0}); convert the file to UTF-8")]
    Undetectable(String),
}

/// Decoded text and the name of the encoding it came from.
#[derive(Debug)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// The encoding it was read with.
    pub encoding: &'static str,
}

/// Decodes a file's bytes. NUL bytes are dropped from UTF-8 text (a common artifact of broken
/// exports); a file that is mostly NULs or control bytes is binary.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors && enc != UTF_8 {
            return Err(DecodeError::Undetectable(enc.name().to_string()));
        }
        return finish(text.into_owned(), enc);
    }
    // UTF-16 without a BOM: the zero high bytes of ASCII characters stand on one side only.
    if let Some(enc) = utf16_by_pattern(bytes) {
        if let Some(d) = as_utf16(bytes, enc) {
            return Ok(d);
        }
    }
    if looks_binary(bytes) {
        return Err(DecodeError::Binary(binary_kind(bytes)));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return finish(s.to_string(), UTF_8);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    for enc in [guess, GB18030] {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors && plausible(&text) && reads_as_chinese(&text) {
            // GBK is a subset of GB18030; report the family users know.
            return finish(text.into_owned(), if enc == GB18030 { GB18030 } else { enc });
        }
    }
    // UTF-8 with a few broken bytes (under 0.5%: a cut multi-byte character, a stray byte): keep the text.
    let lossy = String::from_utf8_lossy(bytes);
    let broken = lossy.chars().filter(|c| *c == '\u{FFFD}').count();
    if broken * 200 <= bytes.len() && reads_as_chinese(&lossy) {
        return finish(lossy.replace('\u{FFFD}', ""), UTF_8);
    }
    // UTF-16 without a BOM and without ASCII (no zero bytes to show the order): Chinese either way.
    for enc in [encoding_rs::UTF_16LE, encoding_rs::UTF_16BE] {
        if let Some(d) = as_utf16(bytes, enc) {
            return Ok(d);
        }
    }
    Err(DecodeError::Undetectable(guess.name().to_string()))
}

fn finish(mut text: String, enc: &'static Encoding) -> Result<Decoded, DecodeError> {
    if text.contains('\0') {
        text.retain(|c| c != '\0');
    }
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    if !plausible(&text) {
        return Err(DecodeError::Binary("mostly control characters"));
    }
    Ok(Decoded { text, encoding: enc.name() })
}

/// The most frequent Chinese characters (function words and the vocabulary of official documents).
/// Real text uses them constantly; bytes of another encoding decoded as GBK produce rare characters.
const COMMON: &str = "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心本前开但因只从想实日者意无力与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应向头文体政美相见被利二等产或新己制身果加月合回特代内信表化老给位次度门任常先海通教原东提立及比员解水名真论处走义各入几口认条平系气题活更别打变四总何电数安少报才结反受目量再感建务做接必场件计管期市直资命金指许统区保至队形社便空决治展科司五基书非则白界达光放强即像难且权思象完设式色路记南品住告类求据程北边张该交规万取拉格望觉术领共确传观清今切院让识带导运改收根干造言联持组每济车极林服快办议往元证近失转令准布始存未远台单具字击流备连调深商算质团集百需价党城级整府离况请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功包片史委乎查轻易早曾除农找装广显列首医局突专费号尽另周较注语仅考落青随选推势参希古众构房半节土投某案维划致律足态护七兴验责营星够章音跟志底站严例防族供效续施留讲型料终答紧黄绝察母段依批群项故按河米围江织害斗双境客纪采举攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐限船职速刻乐否刚威状率甚独球般普怕弹校苦创假久错承印晚试股拿预益阳若微继送急血素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢获模充负云停木游疑层冷洲冲射略范竟句室异激村策演简罪判担州静退既衣宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善读超免压银买养执副乱抗犯追帮宣岁航优怪香著田铁控税左右份艺背阵草脚概恶块顿敢守酒岛托央户烈洋索款靠评版宝座释景顾登货互付慢换闻危忙核暗介坏讨良序升监临亮露永呼味野架域沙掉括鱼杂误湾吉减编肯测败屋跑梦散温困渐封救贵缺楼县尚毫移朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟藏赶剧票损忽巨旧端探湖录叶春乡附吸予礼港雨板庭妇归额含顺输招补谓督油疗旅泽材灭逐莫笔亡鲜词择寻厂博烟授诺伦岸载健堂旁宫借君禁阴园谋避抓荣孙逃束跳顶镇雪午练迫篇肉馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻暴森塔握戏隐熟骨访弱典欲伙遭盘扩盖弄雄稳亿刺拥徒齐赛趣曲刀床迎虚析窗醒透购替塞努休扬途侵刑绿迅套贸毕唯谷轮库迹尤竞街促延震弃伟麻申缓潜闪售灯针折郑尊秀混振染盛舞圆措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃拍丁尾绩预算执经费";

/// True when `text` reads as Chinese: enough of its Han characters are common ones. Text with few
/// Han characters (numbers, Latin) is not judged.
fn reads_as_chinese(text: &str) -> bool {
    let (han, common) = han_and_common(text);
    han < 30 || common * 3 >= han
}

/// True when `text` has at least `min_han` Han characters and enough of them are common ones: a
/// guess at a byte order must show Chinese, not only fail to show garbage.
fn common_chinese(text: &str, min_han: usize) -> bool {
    let (han, common) = han_and_common(text);
    han >= min_han && common * 3 >= han
}

fn han_and_common(text: &str) -> (usize, usize) {
    use std::sync::OnceLock;
    static SET: OnceLock<std::collections::HashSet<char>> = OnceLock::new();
    let set = SET.get_or_init(|| COMMON.chars().collect());
    let (mut han, mut common) = (0usize, 0usize);
    for c in text.chars().take(100_000) {
        if crate::text::is_han(c) {
            han += 1;
            common += usize::from(set.contains(&c));
        }
    }
    (han, common)
}

/// Text whose characters are mostly printable.
fn plausible(text: &str) -> bool {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in text.chars().take(200_000) {
        total += 1;
        if (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')) || c == '\u{FFFD}' {
            bad += 1;
        }
    }
    total > 0 && bad * 20 < total
}

/// UTF-16LE or BE when the zero bytes of the file's start stand almost all at odd (LE: the high
/// byte of an ASCII character comes second) or at even positions.
fn utf16_by_pattern(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() % 2 != 0 {
        return None;
    }
    let head = &bytes[..bytes.len().min(8192)];
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, b) in head.iter().enumerate() {
        if *b == 0 {
            if i % 2 == 0 {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    // A Chinese character can have a zero byte too (一 is U+4E00), so the sides are compared.
    if odd >= 4 && even * 4 <= odd {
        Some(encoding_rs::UTF_16LE)
    } else if even >= 4 && odd * 4 <= even {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// The bytes as UTF-16 in one byte order, if that gives clean Chinese text.
fn as_utf16(bytes: &[u8], enc: &'static Encoding) -> Option<Decoded> {
    if bytes.len() % 2 != 0 {
        return None;
    }
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    (!had_errors && plausible(&text) && common_chinese(&text, 10)).then(|| finish(text.into_owned(), enc).ok()).flatten()
}

/// Many NUL bytes (not in a UTF-16 pattern, which has a BOM or is caught by the detector) or a
/// known binary signature.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if known_signature(head) {
        return true;
    }
    let nuls = head.iter().filter(|b| **b == 0).count();
    nuls * 10 > head.len()
}

fn known_signature(head: &[u8]) -> bool {
    const SIGS: [&[u8]; 7] = [b"%PDF", b"PK\x03\x04", b"\xD0\xCF\x11\xE0", b"\x89PNG", b"\xFF\xD8\xFF", b"GIF8", b"\x7FELF"];
    SIGS.iter().any(|s| head.starts_with(s))
}

fn binary_kind(head: &[u8]) -> &'static str {
    match head {
        [b'%', b'P', b'D', b'F', ..] => "a PDF document",
        [b'P', b'K', 3, 4, ..] => "a ZIP archive or Office document",
        [0xD0, 0xCF, 0x11, 0xE0, ..] => "a legacy Office document",
        [0x89, b'P', b'N', b'G', ..] => "a PNG image",
        [0xFF, 0xD8, 0xFF, ..] => "a JPEG image",
        [b'G', b'I', b'F', b'8', ..] => "a GIF image",
        [0x7F, b'E', b'L', b'F', ..] => "an executable",
        _ => "contains NUL bytes",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "一、部门基本情况\n本部门预算执行率为95%。\n";

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode(SAMPLE.as_bytes()).unwrap().text, SAMPLE);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(SAMPLE.as_bytes());
        let d = decode(&bom).unwrap();
        assert_eq!(d.text, SAMPLE);
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in SAMPLE.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.encoding, "UTF-16LE");
        // Without a BOM, in either byte order, with or without ASCII in it.
        let long = "某某县水务局部门整体支出绩效自评报告预算执行情况良好资金使用规范".repeat(3);
        for text in ["某某县水务局2023年度部门整体支出绩效自评报告\n一、预算执行情况良好，资金使用规范。\n", long.as_str()] {
            let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
            let (dle, dbe) = (decode(&le).unwrap(), decode(&be).unwrap());
            assert_eq!((dle.text.as_str(), dle.encoding), (text, "UTF-16LE"));
            assert_eq!((dbe.text.as_str(), dbe.encoding), (text, "UTF-16BE"));
        }
    }

    #[test]
    fn gb18030() {
        let (bytes, _, _) = GB18030.encode(SAMPLE);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, SAMPLE);
    }

    #[test]
    fn binary_and_empty_are_refused() {
        assert_eq!(decode(b"").unwrap_err(), DecodeError::Empty);
        assert_eq!(decode(b"   \n ").unwrap_err(), DecodeError::Empty);
        assert!(matches!(decode(b"%PDF-1.7\n\x00\x01\x02binary").unwrap_err(), DecodeError::Binary(_)));
        let noise: Vec<u8> = (0..4000u32).map(|i| (i * 7 % 256) as u8).collect();
        assert!(decode(&noise).is_err());
    }

    #[test]
    fn random_high_bytes_are_not_text() {
        let soup: Vec<u8> = (0..3000u32).map(|i| (0x80 + (i * 37 % 0x7f)) as u8).collect();
        assert!(matches!(decode(&soup), Err(DecodeError::Undetectable(_))), "{:?}", decode(&soup).map(|d| d.text.chars().take(20).collect::<String>()));
    }

    #[test]
    fn utf8_with_one_broken_character_is_kept() {
        let text = "一、部门基本情况\n本部门预算执行率为95%，各项工作完成良好。".repeat(20);
        let mut bytes = text.into_bytes();
        bytes.insert(7, 0xFF);
        let d = decode(&bytes).unwrap();
        assert!(d.text.contains("本部门预算执行率"));
    }

    #[test]
    fn nul_bytes_inside_utf8_text_are_dropped() {
        let d = decode("一、概况\0\n正文。".as_bytes()).unwrap();
        assert_eq!(d.text, "一、概况\n正文。");
    }
}
