//! The fields an imported row is read from, and the header words offices use for each.

/// A field an imported row is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// 反映时间: when the request came (required).
    ReportedAt,
    /// 反映人.
    ReporterName,
    /// 联系电话.
    ReporterPhone,
    /// 地址: the whole address in one cell.
    Address,
    /// 反映事项 (required).
    Description,
    /// 类别.
    Category,
    /// 处置结果.
    Outcome,
    /// 办结时间.
    ResolvedAt,
    /// 状态.
    Status,
    /// 楼号, when the address is split over columns.
    Building,
    /// 门/单元.
    Entrance,
    /// 房号.
    Room,
    /// 渠道.
    Channel,
}

/// The words offices put in header cells, per field. A header cell matches a word when,
/// reduced by `header_key`, it equals it (best) or starts with it.
pub(crate) const ALIASES: &[(Field, &[&str])] = &[
    (
        Field::ReportedAt,
        &[
            "反映时间",
            "时间",
            "日期",
            "登记时间",
            "登记日期",
            "反映日期",
            "受理时间",
            "受理日期",
            "来电时间",
            "接待时间",
            "接报时间",
            "诉求时间",
        ],
    ),
    (
        Field::ReporterName,
        &[
            "反映人",
            "姓名",
            "居民",
            "联系人",
            "居民姓名",
            "反映人姓名",
            "来电人",
            "诉求人",
            "报事人",
            "求助人",
        ],
    ),
    (
        Field::ReporterPhone,
        &[
            "联系电话",
            "电话",
            "手机",
            "手机号",
            "联系方式",
            "电话号码",
            "手机号码",
        ],
    ),
    (
        Field::Address,
        &[
            "地址",
            "住址",
            "楼门",
            "门牌",
            "门牌号",
            "楼门号",
            "家庭住址",
            "居住地址",
            "详细地址",
            "所在楼门",
        ],
    ),
    (
        Field::Description,
        &[
            "反映事项",
            "诉求内容",
            "问题",
            "事项",
            "内容",
            "反映内容",
            "反映问题",
            "诉求",
            "问题描述",
            "求助内容",
            "具体问题",
        ],
    ),
    (
        Field::Category,
        &[
            "类别",
            "分类",
            "类型",
            "问题类别",
            "诉求类别",
            "事项类别",
            "问题分类",
        ],
    ),
    (
        Field::Outcome,
        &[
            "处置结果",
            "办理结果",
            "处理结果",
            "处置情况",
            "办理情况",
            "处理情况",
            "解决情况",
            "结果",
        ],
    ),
    (
        Field::ResolvedAt,
        &[
            "办结时间",
            "完成时间",
            "办结日期",
            "完成日期",
            "处置时间",
            "解决时间",
        ],
    ),
    (
        Field::Status,
        &["状态", "办理状态", "处置状态", "是否办结", "办结情况"],
    ),
    (Field::Building, &["楼号", "楼栋", "楼栋号"]),
    (Field::Entrance, &["门号", "单元", "单元号", "门洞"]),
    (Field::Room, &["房号", "室号", "户号", "房间号"]),
    (
        Field::Channel,
        &[
            "渠道",
            "来源",
            "反映渠道",
            "反映方式",
            "受理渠道",
            "诉求来源",
        ],
    ),
];

impl Field {
    /// Every field, in the order they are listed to users.
    pub const ALL: [Field; 13] = [
        Field::ReportedAt,
        Field::ReporterName,
        Field::ReporterPhone,
        Field::Address,
        Field::Description,
        Field::Category,
        Field::Outcome,
        Field::ResolvedAt,
        Field::Status,
        Field::Building,
        Field::Entrance,
        Field::Room,
        Field::Channel,
    ];

    /// The name used in mapping overrides, e.g. `reported_at`.
    pub fn key(self) -> &'static str {
        match self {
            Field::ReportedAt => "reported_at",
            Field::ReporterName => "reporter_name",
            Field::ReporterPhone => "reporter_phone",
            Field::Address => "address",
            Field::Description => "description",
            Field::Category => "category",
            Field::Outcome => "outcome",
            Field::ResolvedAt => "resolved_at",
            Field::Status => "status",
            Field::Building => "building",
            Field::Entrance => "entrance",
            Field::Room => "room",
            Field::Channel => "channel",
        }
    }

    /// The header offices most often use for the field.
    pub fn zh(self) -> &'static str {
        ALIASES
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("", |(_, words)| words[0])
    }

    /// Parses a field key such as `reported_at`.
    pub fn parse(text: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == text.trim())
    }
}
