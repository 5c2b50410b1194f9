//! The pages speak Chinese first, English on request. Every string a page shows is a key
//! here with both texts; a test checks that every key the templates use exists.

use bangbang_domain::stats::RATE_DEFINITIONS_ZH;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// (key, 中文, English)
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("app.name", "帮帮 · 邻里互助8850工作室", "bangbang · neighbourhood help desk"),
    ("app.motto", "居民点单、社区派单、志愿者接单", "Residents ask, the community dispatches, volunteers help"),
    ("nav.board", "派单台", "Dispatch board"),
    ("nav.intake", "登记诉求", "New request"),
    ("nav.ledger", "台账", "Ledgers"),
    ("nav.dashboard", "数据看板", "Figures"),
    ("nav.tasks", "我的任务", "My tasks"),
    ("nav.pool", "抢单大厅", "Open pool"),
    ("nav.patrol", "巡查上报", "Patrol report"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.login", "登录", "Sign in"),
    ("nav.skip", "跳到正文", "Skip to content"),
    ("lang.switch", "English", "中文"),
    ("login.title", "工作人员登录", "Staff sign-in"),
    ("login.username", "用户名", "User name"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.failed", "用户名或密码不对", "Wrong user name or password"),
    ("login.locked_before", "尝试次数太多，已暂时锁定。请", "Too many wrong tries: signing in is locked for now. Try again in"),
    ("login.locked_after", "分钟后再试，或请社区管理员帮忙。", "minutes, or ask the community administrator."),
    ("login.hint", "居民无需登录，请扫描社区二维码求助。", "Residents do not need an account: scan your community's QR code to ask for help."),
    ("error.title", "出错了", "Something went wrong"),
    ("error.back", "返回首页", "Back to the start"),
    ("error.form", "请检查标红的内容", "Please check the fields marked in red"),
    ("error.csrf", "页面已过期，请刷新后再提交", "This page has expired: reload it and submit again"),
    ("field.name", "您的姓名", "Your name"),
    ("field.reporter_name", "反映人", "Reporter"),
    ("field.phone", "联系电话", "Phone"),
    ("field.building", "楼号", "Building"),
    ("field.entrance", "门（单元）", "Entrance"),
    ("field.room", "房间号", "Room"),
    ("field.category", "遇到什么问题", "What is the problem"),
    ("field.description", "具体情况", "Details"),
    ("field.photo", "照片（可不传）", "Photo (optional)"),
    ("field.channel", "渠道", "Channel"),
    ("field.urgency", "紧急程度", "Urgency"),
    ("field.reported_at", "反映时间", "Reported at"),
    ("field.choose", "请选择", "Choose"),
    ("ask.title", "我要求助", "Ask for help"),
    ("ask.lead", "填好下面几项，社区会尽快安排志愿者帮您。", "Fill in a few lines and the community will send someone to help."),
    ("ask.submit", "提交求助", "Send"),
    ("ask.privacy", "您的电话和房间号只给社区工作人员和接单的志愿者看。", "Only community staff and the volunteer who takes your request see your phone number and room."),
    ("track.title", "办理进度", "Progress"),
    ("track.code", "查询码", "Tracking code"),
    ("track.new", "已收到您的求助！请记下查询码：", "We have your request. Keep this tracking code:"),
    ("track.lookup", "查询办理进度", "Track a request"),
    ("track.go", "查询", "Look up"),
    ("track.rate", "请为这次服务打分", "Please rate the help you got"),
    ("track.rate_submit", "提交评价", "Send rating"),
    ("track.rated", "感谢您的评价！", "Thank you for your rating!"),
    ("detail.tracking_hint", "（交给居民，凭它查进度和评价）", "(give it to the resident: it opens their progress page and rating)"),
    ("track.keep", "请截图或收藏本页。整串查询码只给您本人；打电话问进度时，报前面的编号即可。", "Take a screenshot or bookmark this page. The whole code is yours alone; when you phone the office, the first part (the request number) is enough."),
    ("sat.satisfied", "满意", "Satisfied"),
    ("sat.basic", "基本满意", "Basically satisfied"),
    ("sat.unsatisfied", "不满意", "Unsatisfied"),
    ("poster.title", "有困难，找帮帮", "Need a hand? Ask bangbang"),
    ("poster.scan", "微信或手机相机扫一扫，填写求助", "Scan with your phone camera to ask for help"),
    ("poster.phone", "也可以打电话或到社区办公室", "Or phone or visit the community office"),
    ("poster.print", "打印海报", "Print poster"),
    ("board.title", "派单台", "Dispatch board"),
    ("board.filter", "筛选", "Filter"),
    ("board.all", "全部", "All"),
    ("board.grid", "网格", "Grid"),
    ("board.overdue", "已超时", "Overdue"),
    ("board.empty", "暂无", "None"),
    ("board.more", "还有更多，去台账查看", "More in the ledger"),
    ("board.recent", "近", "Resolved in the last"),
    ("board.days", "天办结", "days"),
    ("board.all_done", "全部办结记录见台账", "all resolved work is in the ledger"),
    ("intake.title", "登记来电来访", "Record a call or visit"),
    ("intake.submit", "登记", "Record"),
    ("intake.duplicates", "可能重复：同一楼门、同类问题", "Possible duplicates: same entrance and category"),
    ("patrol.title", "网格巡查上报", "Report from patrol"),
    ("patrol.submit", "上报", "Report"),
    ("detail.timeline", "办理记录（台账）", "Timeline (ledger)"),
    ("detail.actions", "下一步", "Next step"),
    ("detail.suggest", "推荐志愿者", "Suggested volunteers"),
    ("detail.deadlines", "时限", "Deadlines"),
    ("detail.respond_by", "响应时限", "Respond by"),
    ("detail.resolve_by", "办结时限", "Resolve by"),
    ("detail.assignee", "承办人", "Assignee"),
    ("detail.outcome", "处置结果", "Outcome"),
    ("detail.hours", "服务时长（小时）", "Hours"),
    ("detail.satisfaction", "回访满意度", "Call-back rating"),
    ("detail.next_at", "下次跟进", "Next follow-up"),
    ("detail.photos", "照片", "Photos"),
    ("detail.none_allowed", "当前状态下没有可做的操作。", "Nothing can be done in this state."),
    ("action.dispatch", "派单", "Dispatch"),
    ("action.pool", "发布到抢单大厅", "Post to the open pool"),
    ("action.partner", "转协作单位", "Refer to a partner"),
    ("action.accept", "接单", "Accept"),
    ("action.decline", "退单", "Decline"),
    ("action.start", "开始处置", "Start"),
    ("action.resolve", "办结", "Resolve"),
    ("action.follow-up", "转长期跟进", "Long-term follow-up"),
    ("action.review", "回访", "Call back"),
    ("action.reopen", "重新打开", "Reopen"),
    ("action.close", "关闭", "Close"),
    ("action.notes", "添加备注", "Add note"),
    ("action.reason", "原因", "Reason"),
    ("action.note", "说明", "Note"),
    ("action.volunteer", "志愿者", "Volunteer"),
    ("action.partner_name", "协作单位名称", "Partner"),
    ("action.duplicate_of", "与哪件重复（编号）", "Duplicate of (code)"),
    ("close.duplicate", "重复诉求", "Duplicate"),
    ("close.withdrawn", "居民撤回", "Withdrawn"),
    ("close.out_of_remit", "不属于社区职责（已转办）", "Out of remit (referred)"),
    ("volunteer.tasks", "我的任务", "My tasks"),
    ("volunteer.pool", "抢单大厅", "Open pool"),
    ("volunteer.empty", "现在没有任务，谢谢您！", "Nothing here right now. Thank you!"),
    ("volunteer.masked", "接单后可见电话和房间号", "Phone and room are shown once you accept"),
    ("volunteer.hours_total", "累计服务时长", "Hours given"),
    ("ledger.intake", "接待台账", "Reception ledger"),
    ("ledger.disposal", "处置清单", "Disposal list"),
    ("ledger.search", "搜索（编号、姓名、内容）", "Search (code, name, text)"),
    ("ledger.from", "从", "From"),
    ("ledger.to", "到", "To"),
    ("ledger.status", "状态", "Status"),
    ("ledger.apply", "查询", "Search"),
    ("ledger.next", "下一页", "Next page"),
    ("ledger.first", "第一页", "First page"),
    ("ledger.no", "序号", "No."),
    ("ledger.code", "编号", "Code"),
    ("ledger.address", "地址", "Address"),
    ("ledger.matter", "反映事项", "Matter"),
    ("ledger.dispatched_at", "派单时间", "Dispatched"),
    ("ledger.resolved_at", "办结时间", "Resolved"),
    ("ledger.empty", "没有符合条件的记录", "Nothing matches"),
    ("dash.title", "数据看板", "Figures"),
    ("dash.period", "统计期间", "Period"),
    ("dash.received", "收到诉求", "Received"),
    ("dash.resolved", "已办结", "Resolved"),
    ("dash.long_term", "长期跟进", "Long-term"),
    ("dash.open", "在办", "Open"),
    ("dash.overdue", "超时", "Overdue"),
    ("dash.rates", "四项比率", "The four rates"),
    ("dash.by_category", "分类统计（件数 / 涉及楼门）", "By category (requests / entrances)"),
    ("dash.by_channel", "分渠道", "By channel"),
    ("dash.requests", "件数", "Requests"),
    ("dash.entrances", "楼门数", "Entrances"),
    ("dash.community", "社区", "Community"),
    ("dash.all", "全部社区", "All communities"),
    ("dash.compare", "各社区对比", "Communities compared"),
    ("event.created", "收到诉求", "Request received"),
    ("event.dispatched", "已派单", "Dispatched"),
    ("event.pooled", "发布到抢单大厅", "Posted to the pool"),
    ("event.accepted", "志愿者已接单", "Accepted"),
    ("event.declined", "退单", "Declined"),
    ("event.started", "开始处置", "Work started"),
    ("event.resolved", "已办结", "Resolved"),
    ("event.followed_up", "转长期跟进", "Long-term follow-up"),
    ("event.reviewed", "已回访评价", "Rated"),
    ("event.reopened", "重新打开", "Reopened"),
    ("event.closed", "已关闭", "Closed"),
    ("event.noted", "备注", "Note"),
    ("event.hours_recorded", "记录服务时长", "Hours recorded"),
    ("nav.volunteers", "志愿者", "Volunteers"),
    ("nav.report", "中期汇报", "Report"),
    ("honour.title", "志愿服务光荣榜", "Honour board"),
    ("honour.motto", "树典型、立榜样", "Holding up those who lead the way"),
    ("honour.hours", "小时", "hours"),
    ("honour.jobs", "件", "jobs"),
    ("honour.stars", "星级", "Stars"),
    ("honour.stars_rule", "星级按累计服务时长评定：100、300、600、1000、1500小时分别为一至五星。", "Stars follow total hours: 100, 300, 600, 1000 and 1500 hours give one to five stars."),
    ("honour.certificate", "志愿服务证明", "Service certificate"),
    ("hours.record", "登记集体活动时长", "Record activity hours"),
    ("hours.activity", "活动名称", "Activity"),
    ("hours.date", "活动日期", "Date"),
    ("hours.recorded", "已登记，已记入台账。", "Recorded in the ledger."),
    ("hours.err_volunteer", "请选择志愿者", "Choose a volunteer"),
    ("hours.err_hours", "时长应在0.5到24小时之间", "Hours must be between 0.5 and 24"),
    ("hours.err_activity", "请填写活动名称", "Name the activity"),
    ("hours.err_date", "日期不对（不能是将来）", "The date is not valid (and cannot be in the future)"),
    ("report.monthly", "月度趋势（收到 / 办结）", "Monthly trend (received / resolved)"),
    ("report.by_grid", "分网格", "By grid"),
    ("report.top_volunteers", "服务之星", "Top volunteers"),
    ("report.xlsx", "导出Excel", "Download .xlsx"),
    ("report.summary_1", "期间通过来电访、网格巡查等方式，生成诉求清单", "In the period the desk collected "),
    ("report.summary_2", "件，经社区协调及志愿者参与共办结", " requests; with the community and volunteers it resolved "),
    ("report.summary_3", "件，", ", and "),
    ("report.summary_4", "件在长期跟进中。", " are in long-term follow-up."),
    ("en.submitted", "待派单", "Waiting for dispatch"),
    ("en.pooled", "待接单", "In the open pool"),
    ("en.dispatched", "已派单", "Dispatched"),
    ("en.accepted", "已接单", "Accepted"),
    ("en.in_progress", "处置中", "In progress"),
    ("en.long_term", "长期跟进", "Long-term follow-up"),
    ("en.resolved", "已办结", "Resolved"),
    ("en.reviewed", "已回访", "Called back"),
    ("en.closed", "已关闭", "Closed"),
    ("en.phone", "来电", "Phone call"),
    ("en.visit", "来访", "Visit"),
    ("en.grid_patrol", "网格巡查", "Grid patrol"),
    ("en.web", "扫码自助", "Web / QR"),
    ("en.api", "接口", "API"),
    ("en.import", "导入", "Imported"),
    ("en.normal", "一般", "Normal"),
    ("en.urgent", "紧急", "Urgent"),
    ("en.critical", "特急", "Critical"),
    ("en.staff", "社区工作人员", "Community staff"),
    ("en.grid_worker", "网格员", "Grid worker"),
    ("en.volunteer", "志愿者", "Volunteer"),
    ("en.supervisor", "街道/区督办", "Supervisor"),
    ("en.admin", "管理员", "Administrator"),
    ("en.resident", "居民", "Resident"),
    ("field.category_short", "类别", "Category"),
    ("def.response", RATE_DEFINITIONS_ZH[0], "requests first acted on (dispatched, pooled, resolved, moved to long-term follow-up or closed) within the response limit ÷ requests received"),
    ("def.resolution", RATE_DEFINITIONS_ZH[1], "requests resolved (with or without the call-back) ÷ requests received"),
    ("def.on_time", RATE_DEFINITIONS_ZH[2], "requests resolved within the resolution limit ÷ requests resolved"),
    ("def.satisfaction", RATE_DEFINITIONS_ZH[3], "call-backs rated satisfied or basically satisfied ÷ call-backs rated"),
    ("nav.import", "导入台账", "Import"),
    ("import.title", "导入手工台账", "Import a hand-kept ledger"),
    ("import.lead", "支持 .xlsx、.xls、.csv。先预览：每一行要么导入，要么写明原因；有一行不行，整个文件都不导入。重复导入同一文件不会重复登记。", "Accepts .xlsx, .xls and .csv. Preview first: every row is either imported or reported with its reason; if any row cannot be imported, nothing is. Importing the same file again adds nothing."),
    ("import.file", "台账文件", "Ledger file"),
    ("import.year", "年份（日期没写年份时用）", "Year (for dates written without one)"),
    ("import.mapping", "列对应（可不填）", "Column mapping (optional)"),
    ("import.dry_run", "只预览，不导入", "Preview only, import nothing"),
    ("import.go", "开始", "Go"),
    ("import.skip_bad", "跳过无法导入的行，导入其余各行", "Skip the rows that cannot be imported and import the rest"),
    ("import.done", "已导入", "Imported"),
    ("import.already", "之前已导入", "already there"),
    ("import.preview", "预览", "Preview of"),
    ("import.ok_rows", "行可导入", "rows to import"),
    ("import.bad_rows", "行无法导入", "rows that cannot be imported"),
    ("import.skipped_rows", "行跳过", "rows skipped"),
    ("import.rejected", "无法导入的行", "Rows that cannot be imported"),
    ("import.skipped", "跳过的行", "Rows skipped"),
    ("import.rows", "将导入的行", "Rows to import"),
    ("import.row", "行", "Row"),
    ("import.notes", "提示", "Notes"),
    ("ledger.export_xlsx", "导出Excel", "Export .xlsx"),
    ("ledger.export_csv", "导出CSV", "Export .csv"),
    ("ledger.export_both", "两表合一导出", "Both on one sheet"),
    ("common.print", "打印", "Print"),
    ("common.save", "保存", "Save"),
    ("common.yes", "是", "Yes"),
    ("common.view", "查看", "View"),
];

/// A field problem in the page's language: said from its code, never read back from text.
pub fn field_message(lang: Lang, problem: &bangbang_domain::validation::Problem) -> String {
    match lang {
        Lang::En => problem.en().to_string(),
        Lang::Zh => problem.zh(),
    }
}

pub fn text(lang: Lang, key: &str) -> &'static str {
    match TEXTS.iter().find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => {
            tracing::warn!(key, "missing text");
            "?"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_problems_read_in_chinese() {
        use bangbang_domain::validation::{Code, Problem};
        let zh = |p: Problem| field_message(Lang::Zh, &p);
        assert_eq!(zh(Problem::required()), "必填");
        assert_eq!(zh(Problem::too_long(2000)), "不能超过2000个字");
        assert!(
            zh(Problem::new(Code::NotAPhone, "is not a phone number")).starts_with("电话号码不对")
        );
        assert_eq!(
            zh(Problem::new(
                Code::NoSuchBuilding("99".into()),
                "no building"
            )),
            "本社区没有99号楼"
        );
        assert_eq!(
            zh(Problem::new(
                Code::NoSuchEntrance("3".into(), "9".into()),
                "no entrance"
            )),
            "3号楼没有9门"
        );
        // Text without a code is said as written, in both languages.
        assert_eq!(zh(Problem::from("must be a number")), "must be a number");
        assert_eq!(field_message(Lang::En, &Problem::required()), "is required");
    }

    #[test]
    fn keys_are_unique_and_every_template_key_exists() {
        let mut keys: Vec<&str> = TEXTS.iter().map(|(k, _, _)| *k).collect();
        keys.sort();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "a key is listed twice");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let body = std::fs::read_to_string(&path).unwrap();
            for part in body.split("t(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                assert!(
                    keys.binary_search(&key).is_ok(),
                    "{} uses unknown text {key:?}",
                    path.display()
                );
            }
        }
    }
}
