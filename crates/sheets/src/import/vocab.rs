//! The words hand-kept ledgers use, in one place: category synonyms, status words, channel
//! words and the first words of trailing notes rows.

use super::ImportedStatus;
use bangbang_domain::Channel;

/// Category code → words that, found in a 类别 cell, mean that category. Checked in order,
/// so the more specific entries come first (楼道灯 before 电, 家电 before 电).
pub(crate) const CATEGORY_WORDS: &[(&str, &[&str])] = &[
    (
        "sewer_overflow",
        &["下水", "跑冒", "返水", "冒水", "堵", "化粪", "污水", "排水"],
    ),
    (
        "wall_hazard",
        &["外墙", "墙皮", "脱落", "排险", "墙面", "空鼓"],
    ),
    ("stairwell_light", &["楼道灯", "路灯", "灯"]),
    (
        "appliance",
        &["家电", "空调", "冰箱", "洗衣机", "电视", "热水器"],
    ),
    (
        "plumbing",
        &["水管", "漏水", "水龙头", "自来水", "管道", "渗水"],
    ),
    (
        "electrical",
        &["电路", "跳闸", "电线", "插座", "停电", "线路", "电"],
    ),
    (
        "elder_care",
        &["助老", "老人", "独居", "高龄", "助餐", "养老"],
    ),
    ("errands", &["代办", "跑腿", "代购", "取药", "买菜"]),
    (
        "sanitation",
        &["环境", "卫生", "垃圾", "清扫", "保洁", "杂物"],
    ),
    ("greening", &["绿化", "树", "草", "花坛"]),
    (
        "neighbour_dispute",
        &["纠纷", "矛盾", "噪音", "调解", "邻里"],
    ),
    ("consultation", &["咨询", "政策", "补贴", "证明"]),
    ("other", &["其他", "其它"]),
];

/// Maps a 类别 cell to a category code: exact Chinese name or code first, then the words
/// above, then a Chinese name contained in the cell. `None` when nothing fits.
pub(crate) fn category_code(text: &str, categories: &[(String, String)]) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let known = |code: &str| categories.iter().any(|(c, _)| c == code);
    if let Some((code, _)) = categories
        .iter()
        .find(|(code, zh)| zh == text || code.eq_ignore_ascii_case(text))
    {
        return Some(code.clone());
    }
    for (code, words) in CATEGORY_WORDS {
        if known(code) && words.iter().any(|w| text.contains(w)) {
            return Some((*code).to_string());
        }
    }
    categories
        .iter()
        .find(|(_, zh)| !zh.is_empty() && (text.contains(zh.as_str()) || zh.contains(text)))
        .map(|(code, _)| code.clone())
}

/// Reads a 状态 cell. `None` for an empty cell; `Some(None)` for words not understood.
pub(crate) fn status_word(text: &str) -> Option<Option<ImportedStatus>> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() {
        return None;
    }
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    // Negations first: 未办结 is not 办结.
    let status = if has(&[
        "未办结",
        "未完成",
        "未解决",
        "未处理",
        "待办",
        "待处理",
        "处理中",
        "办理中",
        "处置中",
    ]) || text == "否"
    {
        Some(ImportedStatus::Submitted)
    } else if has(&["撤回", "撤销", "重复", "取消", "不属于", "无效", "关闭"]) {
        Some(ImportedStatus::Closed)
    } else if has(&["长期", "跟进", "持续"]) {
        Some(ImportedStatus::LongTerm)
    } else if has(&[
        "办结",
        "完成",
        "解决",
        "已处理",
        "已处置",
        "已修复",
        "结案",
        "已回访",
    ]) || text == "是"
    {
        Some(ImportedStatus::Resolved)
    } else {
        None
    };
    Some(status)
}

/// Reads a 渠道 cell.
pub(crate) fn channel_word(text: &str) -> Option<Channel> {
    const WORDS: &[(Channel, &[&str])] = &[
        (Channel::Phone, &["电话", "来电", "热线", "12345"]),
        (Channel::Visit, &["来访", "上门", "走访", "现场", "来电访"]),
        (Channel::GridPatrol, &["网格", "巡查", "巡逻"]),
        (Channel::Web, &["扫码", "微信", "网上", "小程序", "自助"]),
    ];
    if let Some(c) = Channel::ALL
        .into_iter()
        .find(|c| c.zh() == text || c.as_str() == text)
    {
        return Some(c);
    }
    WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| text.contains(w)))
        .map(|(c, _)| *c)
}

/// First words of the rows people add under a ledger: totals, remarks, signatures.
pub(crate) const NOTES_WORDS: &[&str] = &[
    "合计",
    "总计",
    "小计",
    "共计",
    "备注",
    "说明",
    "注:",
    "注：",
    "制表",
    "填表",
    "审核",
    "负责人",
    "统计人",
    "签字",
    "盖章",
    "以上",
    "单位:",
    "单位：",
];

/// Whether a cell opens a notes row.
pub(crate) fn opens_notes(text: &str) -> bool {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    NOTES_WORDS.iter().any(|w| text.starts_with(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bangbang_domain::category::default_categories;

    fn code(text: &str) -> Option<String> {
        let cats: Vec<(String, String)> = default_categories()
            .into_iter()
            .map(|c| (c.code.into(), c.name_zh))
            .collect();
        category_code(text, &cats)
    }

    #[test]
    fn categories_by_name_and_synonym() {
        assert_eq!(code("下水跑冒").as_deref(), Some("sewer_overflow"));
        assert_eq!(code("下水道堵").as_deref(), Some("sewer_overflow"));
        assert_eq!(code("返水").as_deref(), Some("sewer_overflow"));
        assert_eq!(code("墙皮脱落").as_deref(), Some("wall_hazard"));
        assert_eq!(code("楼道灯不亮").as_deref(), Some("stairwell_light"));
        assert_eq!(code("漏水").as_deref(), Some("plumbing"));
        assert_eq!(code("跳闸").as_deref(), Some("electrical"));
        assert_eq!(code("家电维修").as_deref(), Some("appliance"));
        assert_eq!(code("助老").as_deref(), Some("elder_care"));
        assert_eq!(code("elder_care").as_deref(), Some("elder_care"));
        assert_eq!(code("其他").as_deref(), Some("other"));
        assert_eq!(code("宠物"), None);
        assert_eq!(code(""), None);
    }

    #[test]
    fn status_words() {
        use ImportedStatus::*;
        assert_eq!(status_word("已办结"), Some(Some(Resolved)));
        assert_eq!(status_word("未办结"), Some(Some(Submitted)));
        assert_eq!(status_word("长期跟进"), Some(Some(LongTerm)));
        // bangbang's own export says 已回访 for resolved-and-called-back, 已关闭 for closed.
        assert_eq!(status_word("已回访"), Some(Some(Resolved)));
        assert_eq!(status_word("已关闭"), Some(Some(Closed)));
        assert_eq!(status_word("跟进中"), Some(Some(LongTerm)));
        assert_eq!(status_word("已撤回"), Some(Some(Closed)));
        assert_eq!(status_word("重复"), Some(Some(Closed)));
        assert_eq!(status_word("是"), Some(Some(Resolved)));
        assert_eq!(status_word("看情况"), Some(None));
        assert_eq!(status_word(" "), None);
    }

    #[test]
    fn notes_rows_and_channels() {
        assert!(opens_notes("合计：12件"));
        assert!(opens_notes("制表人：王芳"));
        assert!(!opens_notes("3号楼下水堵"));
        assert_eq!(channel_word("来电"), Some(Channel::Phone));
        assert_eq!(channel_word("网格员巡查"), Some(Channel::GridPatrol));
        assert_eq!(channel_word("飞鸽传书"), None);
    }
}
