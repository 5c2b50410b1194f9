//! Reading building, entrance and room out of the address people write:
//! `3号楼2门301`, `3号楼2单元301室`, `3-2-301`, `3栋2单元301`, `流霞里3号楼2门` (the
//! community name in front is dropped), `3号楼` (building only).

use super::text::ascii_clean;

/// What could be read from an address cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Address {
    pub building: Option<String>,
    pub entrance: Option<String>,
    pub room: Option<String>,
    /// Text that was not understood, if any.
    pub leftover: Option<String>,
}

const BUILDING_MARKS: &[&str] = &["号楼", "栋", "幢", "座", "楼", "号"];
const ENTRANCE_MARKS: &[&str] = &["单元", "号门", "门洞", "门"];
const ROOM_MARKS: &[&str] = &["室", "号", "户"];

pub(crate) fn parse_address(text: &str) -> Address {
    let text: String = ascii_clean(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // Whatever comes before the first digit names the community or the street.
    let Some(start) = text.find(|c: char| c.is_ascii_digit()) else {
        return Address {
            leftover: (!text.is_empty()).then_some(text),
            ..Address::default()
        };
    };
    let rest = &text[start..];
    if let Some(address) = dashed(rest) {
        return address;
    }
    let mut address = Address::default();
    let (number, after) = leading_number(rest);
    let Some(after) = strip_any(after, BUILDING_MARKS) else {
        address.leftover = Some(rest.to_string());
        return address;
    };
    address.building = Some(number.to_string());
    if after.is_empty() {
        return address;
    }
    let (number, after_entrance) = leading_number(after);
    if number.is_empty() {
        address.leftover = Some(after.to_string());
        return address;
    }
    match strip_any(after_entrance, ENTRANCE_MARKS) {
        Some(after) => {
            address.entrance = Some(number.to_string());
            room(after, &mut address);
        }
        // `3号楼301`: building and room, no entrance.
        None => room(after, &mut address),
    }
    address
}

/// `3-2-301` (also with `—` or `－`).
fn dashed(text: &str) -> Option<Address> {
    let parts: Vec<&str> = text.split(['-', '—', '–']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    if !parts[..2]
        .iter()
        .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let room = parts[2].trim_end_matches(['室', '号', '户']);
    if !room.starts_with(|c: char| c.is_ascii_digit())
        || !room.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return None;
    }
    Some(Address {
        building: Some(parts[0].to_string()),
        entrance: Some(parts[1].to_string()),
        room: Some(room.to_string()),
        leftover: None,
    })
}

fn room(text: &str, address: &mut Address) {
    if text.is_empty() {
        return;
    }
    let end = text
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(text.len());
    let (number, after) = text.split_at(end);
    let after = strip_any(after, ROOM_MARKS).unwrap_or(after);
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        address.leftover = Some(text.to_string());
        return;
    }
    address.room = Some(number.to_string());
    if !after.is_empty() {
        address.leftover = Some(after.to_string());
    }
}

fn leading_number(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

fn strip_any<'a>(text: &'a str, marks: &[&str]) -> Option<&'a str> {
    marks.iter().find_map(|m| text.strip_prefix(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(
        text: &str,
    ) -> (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) {
        let a = parse_address(text);
        (a.building, a.entrance, a.room, a.leftover)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn the_forms_offices_write() {
        assert_eq!(parts("3号楼2门301"), (s("3"), s("2"), s("301"), None));
        assert_eq!(parts("3号楼2单元301室"), (s("3"), s("2"), s("301"), None));
        assert_eq!(parts("3-2-301"), (s("3"), s("2"), s("301"), None));
        assert_eq!(parts("3栋2单元301"), (s("3"), s("2"), s("301"), None));
        assert_eq!(parts("流霞里3号楼2门"), (s("3"), s("2"), None, None));
        assert_eq!(parts("3号楼"), (s("3"), None, None, None));
        assert_eq!(
            parts("１２号楼 ３门 ５０２"),
            (s("12"), s("3"), s("502"), None)
        );
        assert_eq!(parts("3号楼301"), (s("3"), None, s("301"), None));
    }

    #[test]
    fn what_cannot_be_read_is_left_over() {
        assert_eq!(parts("小区东门"), (None, None, None, s("小区东门")));
        assert_eq!(
            parts("3号楼2门301东侧"),
            (s("3"), s("2"), s("301"), s("东侧"))
        );
        assert_eq!(parts("3号楼门口"), (s("3"), None, None, s("门口")));
        assert_eq!(parts(""), (None, None, None, None));
    }
}
