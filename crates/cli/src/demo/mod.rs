//! The demo: 流霞里社区 with the article's mid-term figures, played through the real
//! lifecycle, and 大堤社区 next door with a little live work. Loading twice adds nothing.

mod history;
mod text;

use anyhow::Context;
use bangbang_domain::{category::default_categories, place::PlaceKind, Actor, PlaceId, Role};
use bangbang_store::{NewPlace, NewUser, Store, StoreError};
use bangbang_web::auth::{hash_password, hash_token, new_token};
use chrono::Utc;
use history::Cast;
use rand::{rngs::StdRng, SeedableRng};
use std::net::SocketAddr;

/// Every demo account signs in with this password.
pub const DEMO_PASSWORD: &str = "bangbang8850";

struct Account {
    username: &'static str,
    name: &'static str,
    role: Role,
    skills: &'static [&'static str],
}

const fn account(
    username: &'static str,
    name: &'static str,
    role: Role,
    skills: &'static [&'static str],
) -> Account {
    Account {
        username,
        name,
        role,
        skills,
    }
}

const LIUXIALI: &[Account] = &[
    account("lxl_staff", "王丽", Role::Staff, &[]),
    account("lxl_staff2", "马静", Role::Staff, &[]),
    account("lxl_grid", "赵强", Role::GridWorker, &[]),
    account(
        "lxl_v01",
        "王建国",
        Role::Volunteer,
        &["sewer_overflow", "plumbing"],
    ),
    account(
        "lxl_v02",
        "李淑芬",
        Role::Volunteer,
        &["elder_care", "errands"],
    ),
    account(
        "lxl_v03",
        "张德明",
        Role::Volunteer,
        &["stairwell_light", "electrical", "appliance"],
    ),
    account(
        "lxl_v04",
        "刘长顺",
        Role::Volunteer,
        &["wall_hazard", "greening"],
    ),
    account(
        "lxl_v05",
        "陈秀兰",
        Role::Volunteer,
        &["sanitation", "neighbour_dispute", "consultation"],
    ),
    account("lxl_v06", "赵永强", Role::Volunteer, &["general"]),
    account(
        "lxl_v07",
        "孙桂英",
        Role::Volunteer,
        &["elder_care", "errands", "sanitation"],
    ),
    account(
        "lxl_v08",
        "周海涛",
        Role::Volunteer,
        &["sewer_overflow", "plumbing", "electrical"],
    ),
    account(
        "lxl_v09",
        "吴振华",
        Role::Volunteer,
        &["wall_hazard", "stairwell_light", "electrical"],
    ),
    account(
        "lxl_v10",
        "郑玉梅",
        Role::Volunteer,
        &["neighbour_dispute", "consultation", "other"],
    ),
];

const DADI: &[Account] = &[
    account("dadi_staff", "刘芳", Role::Staff, &[]),
    account("dadi_grid", "钱伟", Role::GridWorker, &[]),
    account("dadi_v01", "何国庆", Role::Volunteer, &["general"]),
    account(
        "dadi_v02",
        "林小红",
        Role::Volunteer,
        &["elder_care", "errands", "sanitation"],
    ),
];

struct CommunitySpec {
    name: &'static str,
    slug: &'static str,
    prefix: &'static str,
    subdistrict: &'static str,
    grids: usize,
    buildings_per_grid: usize,
    entrances_per_building: usize,
    accounts: &'static [Account],
}

const COMMUNITIES: [CommunitySpec; 2] = [
    CommunitySpec {
        name: "流霞里社区",
        slug: "liuxiali",
        prefix: "LXL",
        subdistrict: "西沽街道",
        grids: 4,
        buildings_per_grid: 6,
        entrances_per_building: 3,
        accounts: LIUXIALI,
    },
    CommunitySpec {
        name: "大堤社区",
        slug: "dadi",
        prefix: "DD",
        subdistrict: "芥园街道",
        grids: 2,
        buildings_per_grid: 4,
        entrances_per_building: 2,
        accounts: DADI,
    },
];

const GRID_NAMES: [&str; 6] = [
    "第一网格",
    "第二网格",
    "第三网格",
    "第四网格",
    "第五网格",
    "第六网格",
];

fn place(kind: PlaceKind, parent: Option<PlaceId>, name: String) -> NewPlace {
    NewPlace {
        kind,
        parent_id: parent,
        name,
        slug: None,
        code_prefix: None,
        number: None,
    }
}

/// A community laid out as numbered buildings in grids, each with numbered entrances.
pub struct Layout<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub prefix: &'a str,
    pub grids: usize,
    pub buildings_per_grid: usize,
    pub entrances_per_building: usize,
}

impl Layout<'_> {
    /// Creates the community under `subdistrict` with its grids, buildings and entrances
    /// (numbered 1.. across the community). Returns its id, the (building, entrance)
    /// numbers and the entrance ids.
    pub async fn create(
        &self,
        store: &dyn Store,
        subdistrict: PlaceId,
    ) -> anyhow::Result<(PlaceId, Vec<(String, String)>, Vec<PlaceId>)> {
        let community = store
            .add_place(NewPlace {
                slug: Some(self.slug.into()),
                code_prefix: Some(self.prefix.into()),
                ..place(PlaceKind::Community, Some(subdistrict), self.name.into())
            })
            .await?;
        let mut entrances = Vec::new();
        let mut entrance_ids = Vec::new();
        for g in 0..self.grids {
            let grid_name = GRID_NAMES
                .get(g)
                .map(|n| n.to_string())
                .unwrap_or_else(|| format!("第{}网格", g + 1));
            let grid = store
                .add_place(place(PlaceKind::Grid, Some(community), grid_name))
                .await?;
            for b in 0..self.buildings_per_grid {
                let number = (g * self.buildings_per_grid + b + 1).to_string();
                let building = store
                    .add_place(NewPlace {
                        number: Some(number.clone()),
                        ..place(PlaceKind::Building, Some(grid), format!("{number}号楼"))
                    })
                    .await?;
                for e in 1..=self.entrances_per_building {
                    let id = store
                        .add_place(NewPlace {
                            number: Some(e.to_string()),
                            ..place(PlaceKind::Entrance, Some(building), format!("{e}门"))
                        })
                        .await?;
                    entrances.push((number.clone(), e.to_string()));
                    entrance_ids.push(id);
                }
            }
        }
        Ok((community, entrances, entrance_ids))
    }
}

/// Loads the demo unless it is already there. Returns whether anything was added.
pub async fn seed(store: &dyn Store) -> anyhow::Result<bool> {
    match store.community("liuxiali").await {
        Ok(_) => {
            println!("demo data is already loaded; nothing added");
            return Ok(false);
        }
        Err(StoreError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let started = std::time::Instant::now();
    for (i, category) in default_categories().iter().enumerate() {
        store.upsert_category(category, i as i64).await?;
    }
    let district = store
        .add_place(place(PlaceKind::District, None, "红桥区".into()))
        .await?;
    let password_hash = hash_password(DEMO_PASSWORD)?;
    let mut rng = StdRng::seed_from_u64(8850);
    let now = Utc::now();
    let mut supervisor_scope = None;
    for spec in &COMMUNITIES {
        let sub = store
            .add_place(place(
                PlaceKind::Subdistrict,
                Some(district),
                spec.subdistrict.into(),
            ))
            .await?;
        supervisor_scope.get_or_insert(sub);
        let layout = Layout {
            name: spec.name,
            slug: spec.slug,
            prefix: spec.prefix,
            grids: spec.grids,
            buildings_per_grid: spec.buildings_per_grid,
            entrances_per_building: spec.entrances_per_building,
        };
        let (community, entrances, entrance_ids) = layout.create(store, sub).await?;
        let mut actors: Vec<Actor> = Vec::new();
        for (i, a) in spec.accounts.iter().enumerate() {
            let user = store
                .add_user(NewUser {
                    username: a.username.into(),
                    display_name: a.name.into(),
                    role: a.role,
                    scope_place_id: Some(community),
                    password_hash: password_hash.clone(),
                    phone: None,
                    skills: a.skills.iter().map(|s| s.to_string()).collect(),
                    home_entrance_id: Some(entrance_ids[(i * 7) % entrance_ids.len()]),
                })
                .await?;
            actors.push(user.actor());
        }
        let by_role = |role: Role| {
            actors
                .iter()
                .filter(|a| a.role == role)
                .cloned()
                .collect::<Vec<_>>()
        };
        let cast = Cast {
            slug: spec.slug.into(),
            staff: by_role(Role::Staff),
            grid_worker: by_role(Role::GridWorker).remove(0),
            volunteers: by_role(Role::Volunteer),
            entrances,
        };
        let mut plans = Vec::new();
        if spec.slug == "liuxiali" {
            // Some volunteers served before the workroom opened: their earlier hours count
            // towards their stars, not towards the period's figures.
            let before =
                bangbang_domain::time::parse_instant("2024-06-30 12:00").expect("a valid time");
            for (username, hours) in [("lxl_v06", 260), ("lxl_v03", 95), ("lxl_v08", 110)] {
                if let Some(v) = cast.volunteers.iter().find(|v| v.username == username) {
                    store
                        .record_activity_hours(
                            &cast.staff[0],
                            v.user_id.unwrap(),
                            hours * 60,
                            "往年社区志愿服务累计（2023年度台账）",
                            before,
                        )
                        .await?;
                }
            }
            plans.extend(history::article_period(&cast, &mut rng));
            plans.extend(history::recent(&cast, &mut rng, now, 10));
        } else {
            plans.extend(history::recent(&cast, &mut rng, now, 5));
        }
        let count = history::play(store, &cast, plans)
            .await
            .with_context(|| format!("loading {}", spec.name))?;
        println!("demo: {} loaded with {count} requests", spec.name);
    }
    let supervisors = [
        ("xigu_super", "西沽街道督办 孟华", supervisor_scope),
        ("hongqiao_super", "红桥区督办 韩雪", Some(district)),
        ("admin", "系统管理员", None),
    ];
    for (username, name, scope) in supervisors {
        store
            .add_user(NewUser {
                username: username.into(),
                display_name: name.into(),
                role: if scope.is_some() {
                    Role::Supervisor
                } else {
                    Role::Admin
                },
                scope_place_id: scope,
                password_hash: password_hash.clone(),
                phone: None,
                skills: Vec::new(),
                home_entrance_id: None,
            })
            .await?;
    }
    println!("demo loaded in {:.1}s", started.elapsed().as_secs_f64());
    Ok(true)
}

/// Prints the demo accounts and fresh API tokens for the staff member and a volunteer.
pub async fn print_accounts(store: &dyn Store, address: Option<SocketAddr>) -> anyhow::Result<()> {
    let base = address
        .map(|a| format!("http://{a}"))
        .unwrap_or_else(|| "http://127.0.0.1:8850".into());
    println!();
    println!("== bangbang demo ==  password for every account: {DEMO_PASSWORD}");
    for (username, what) in [
        ("lxl_staff", "流霞里社区 社区工作人员 (staff)"),
        ("lxl_grid", "流霞里社区 网格员 (grid worker)"),
        ("lxl_v01", "流霞里社区 志愿者 (volunteer: sewer, plumbing)"),
        ("lxl_v06", "流霞里社区 志愿者 (volunteer: general)"),
        ("dadi_staff", "大堤社区 社区工作人员 (staff)"),
        ("xigu_super", "西沽街道 督办 (supervisor)"),
        ("hongqiao_super", "红桥区 督办 (supervisor)"),
        ("admin", "管理员 (admin)"),
    ] {
        println!("  {username:<15} {what}");
    }
    for username in ["lxl_staff", "lxl_v01"] {
        let user = store.user_by_name(username).await?;
        let token = new_token();
        store
            .add_token(user.id, &hash_token(&token), "demo")
            .await?;
        println!("  API token for {username}: {token}");
    }
    println!("  try: curl -H \"Authorization: Bearer <token>\" \"{base}/api/v1/stats?community=liuxiali&from=2024-07-01&to=2024-11-15\"");
    println!();
    Ok(())
}
