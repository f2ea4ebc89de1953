//! Pure text helpers shared by the stages: XML-safe cleaning, entity decoding, HTML to text, and
//! the word splitting that keyword routing relies on. No IO, no policy.

use std::borrow::Cow;

/// Removes the characters XML 1.0 forbids: NUL and other C0 controls but tab, newline and carriage
/// return, and the non-characters U+FFFE and U+FFFF.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r') || !(c < ' ' || c == '\u{fffe}' || c == '\u{ffff}'))
        .collect()
}

/// Decodes HTML entities (`&nbsp;`, `&eacute;`, `&#8217;`) left as literal text.
pub fn decode(text: &str) -> Cow<'_, str> {
    if text.contains('&') {
        html_escape::decode_html_entities(text)
    } else {
        Cow::Borrowed(text)
    }
}

/// Runs of white space (including no-break spaces) become one space; ends are trimmed.
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of an HTML fragment: tags become spaces (so words in adjacent blocks stay apart),
/// `script` and `style` bodies are dropped, entities are decoded, white space collapsed.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let is_tag = tail[1..].starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !is_tag {
            out.push('<');
            rest = &tail[1..];
            continue;
        }
        let end = tail.find('>').map_or(tail.len(), |i| i + 1);
        let tag = tail[1..end].trim_start_matches('/').to_ascii_lowercase();
        rest = &tail[end..];
        for skipped in ["script", "style"] {
            if tag.starts_with(skipped) && !tail[1..].starts_with('/') {
                let close = format!("</{skipped}");
                let lower = rest.to_ascii_lowercase();
                rest = lower.find(&close).map_or("", |i| &rest[i..]);
            }
        }
        out.push(' ');
    }
    out.push_str(rest);
    collapse_whitespace(&decode(&out))
}

/// Lower case, accents off, letters and digits only: "Côte d'Ivoire" and "cote d ivoire" fold
/// alike, and so do "Ёлка" and "елка". Everything else becomes a space.
pub fn fold(text: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

/// Splits text into folded words of letters and digits (see [`fold`]), Cyrillic and Latin alike.
pub fn words(text: &str) -> Vec<String> {
    fold(text).split_whitespace().map(str::to_string).collect()
}

/// A language tag as tidings keeps it: lower case, `_` as `-` (`en-US` and `en_us` are `en-us`);
/// `None` when it is not a tag (letters, digits and dashes, starting with 2 or 3 letters).
pub fn language_tag(raw: &str) -> Option<String> {
    let tag = raw.trim().to_ascii_lowercase().replace('_', "-");
    let primary = tag.split('-').next()?;
    let ok = (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then_some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_drops_what_xml_forbids() {
        assert_eq!(clean("a\u{0}b\u{1}c\td\ne\u{fffe}f\u{ffff}g\u{b}"), "abc\td\nefg");
    }

    #[test]
    fn decode_handles_html_entities() {
        assert_eq!(decode("Customs&nbsp;news &amp; more&#8217;s"), "Customs\u{a0}news & more\u{2019}s");
        assert_eq!(collapse_whitespace(&decode("a&nbsp;&nbsp;b")), "a b");
    }

    #[test]
    fn html_to_text_keeps_words_apart() {
        let html = "<p>Drug</p><p>seizure&nbsp;in <b>Dakar</b></p><script>var x = '<p>';</script>done < 3";
        assert_eq!(html_to_text(html), "Drug seizure in Dakar done < 3");
    }

    #[test]
    fn language_tags_are_lower_case_with_dashes() {
        assert_eq!(language_tag(" en_US ").as_deref(), Some("en-us"));
        assert_eq!(language_tag("ru").as_deref(), Some("ru"));
        assert_eq!(language_tag("english!"), None);
        assert_eq!(language_tag("e"), None);
    }

    #[test]
    fn words_split_cyrillic_and_latin() {
        assert_eq!(words("Таможня: Контрабанда, DRUG-seizure!"), ["таможня", "контрабанда", "drug", "seizure"]);
        assert_eq!(words("Côte d'Ivoire: DÉJÀ-VU"), ["cote", "d", "ivoire", "deja", "vu"]);
        assert_eq!(words("ТАМОЖНЯ, Ёлка"), ["таможня", "елка"]);
    }
}
