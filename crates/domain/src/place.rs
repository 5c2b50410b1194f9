//! Places: district 区 → sub-district 街道 → community 社区 → grid 网格 → building 楼 →
//! entrance 门. Reports count entrances, so addresses resolve down to one where possible.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    District,
    Subdistrict,
    Community,
    Grid,
    Building,
    Entrance,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 6] = [
        PlaceKind::District,
        PlaceKind::Subdistrict,
        PlaceKind::Community,
        PlaceKind::Grid,
        PlaceKind::Building,
        PlaceKind::Entrance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::District => "district",
            PlaceKind::Subdistrict => "subdistrict",
            PlaceKind::Community => "community",
            PlaceKind::Grid => "grid",
            PlaceKind::Building => "building",
            PlaceKind::Entrance => "entrance",
        }
    }

    pub fn parse(text: &str) -> Option<PlaceKind> {
        PlaceKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Normalises how people write a building: `3`, `3号楼`, `3号`, `３号楼` all become `3`.
pub fn building_number(text: &str) -> String {
    strip_suffixes(text, &["号楼", "号", "楼", "栋", "幢"])
}

/// Normalises an entrance: `2`, `2门`, `2单元`, `二门` is left as written after trimming.
pub fn entrance_number(text: &str) -> String {
    strip_suffixes(text, &["单元", "门", "号门"])
}

fn strip_suffixes(text: &str, suffixes: &[&str]) -> String {
    let text: String = text.trim().chars().map(halfwidth).collect();
    for suffix in suffixes {
        if let Some(stripped) = text.strip_suffix(suffix) {
            return stripped.trim().to_string();
        }
    }
    text
}

/// Full-width digits and letters (`３０１`) to ASCII.
pub fn halfwidth(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// How an entrance is written in lists: `3号楼2门`.
pub fn entrance_label(building: &str, entrance: &str) -> String {
    format!("{building}号楼{entrance}门")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_and_entrance_forms() {
        assert_eq!(building_number("3号楼"), "3");
        assert_eq!(building_number(" ３号 "), "3");
        assert_eq!(building_number("12"), "12");
        assert_eq!(entrance_number("2门"), "2");
        assert_eq!(entrance_number("2单元"), "2");
        assert_eq!(entrance_label("3", "2"), "3号楼2门");
    }
}
