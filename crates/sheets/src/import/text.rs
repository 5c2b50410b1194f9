//! Cleaning the text of a cell before anything reads it.

use bangbang_domain::place::halfwidth;

/// Text as people wrote it, minus the noise: full-width digits and Latin letters to ASCII
/// (`３号楼` → `3号楼`), every run of whitespace (line breaks, the ideographic space) to one
/// space, trimmed. Chinese punctuation (`，：`) is kept.
pub(crate) fn clean(text: &str) -> String {
    collapse(text.chars().map(|c| match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '\u{3000}' => halfwidth(c),
        _ => c,
    }))
}

/// Like [`clean`], but every full-width character becomes ASCII, punctuation included
/// (`９：３０` → `9:30`, `３－２－３０１` → `3-2-301`): for dates, phones and addresses.
pub(crate) fn ascii_clean(text: &str) -> String {
    collapse(text.chars().map(halfwidth))
}

fn collapse(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in chars {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// A cell's text as quoted in a note or a rejection: at most 40 characters, then `…`, so
/// that a cell of a hundred thousand characters does not come back whole in the preview.
pub(crate) fn shown(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A header cell reduced to what matters for matching: half-width, no whitespace at all,
/// lower case, with bracketed remarks and trailing colons or asterisks dropped:
/// `"反映\n时间（年/月/日）*"` → `"反映时间"`.
pub(crate) fn header_key(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars().map(halfwidth) {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            c if c.is_whitespace() => {}
            c if depth == 0 => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out.trim_matches(|c| matches!(c, ':' | '*' | '：' | '、' | '.'))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_folds_widths_and_spaces() {
        assert_eq!(
            clean("  ２０２４年７月３日\u{3000}9:30 "),
            "2024年7月3日 9:30"
        );
        assert_eq!(clean("张\n 三"), "张 三");
        assert_eq!(clean("卫生间漏水，\n楼下渗水"), "卫生间漏水， 楼下渗水");
        assert_eq!(ascii_clean("９：３０"), "9:30");
        assert_eq!(clean(""), "");
    }

    #[test]
    fn long_cells_are_shown_cut() {
        assert_eq!(shown("小区东门"), "小区东门");
        assert_eq!(shown(&"漏".repeat(100)), format!("{}…", "漏".repeat(40)));
    }

    #[test]
    fn header_keys_drop_noise() {
        assert_eq!(header_key("反映\n时间（年/月/日）*"), "反映时间");
        assert_eq!(header_key(" 联系 电话： "), "联系电话");
        assert_eq!(header_key("服务时长(小时)"), "服务时长");
    }
}
