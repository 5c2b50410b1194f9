//! `bangbang bench load`: a city's worth of requests for benchmarks. Places (a district,
//! its sub-districts, communities with grids, buildings and entrances), volunteers, and
//! requests spread over the years and across states, each with its `created` event in its
//! community's chain, written in large batches (COPY on PostgreSQL).

use anyhow::Context;
use bangbang_domain::{
    category::{default_categories, CategoryCode},
    figures::{month_of, month_start},
    lifecycle::{Satisfaction, Status},
    place::PlaceKind,
    request::{Channel, Urgency},
    time::{local_date, start_of_local_day, to_ms},
    PlaceId, Role, UserId,
};
use bangbang_store::{BulkRequest, NewPlace, NewUser, SqlStore, Store};
use chrono::Utc;
use clap::Subcommand;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::time::Instant;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Load generated places, volunteers and requests (added to what is there).
    Load {
        /// Communities to spread the requests over (100 to a sub-district).
        #[arg(long, default_value_t = 100)]
        communities: usize,
        /// Requests to write.
        #[arg(long, default_value_t = 100_000)]
        requests: u64,
        /// Years back the requests were reported over.
        #[arg(long, default_value_t = 3)]
        years: u32,
        /// Seed of the generator: the same seed writes the same data.
        #[arg(long, default_value_t = 8850)]
        seed: u64,
    },
    /// Measure a loaded database: intake against its own single-commit limit, list and
    /// figure latencies at community, sub-district and district scope, peak memory.
    Run {
        /// Concurrent writers filing requests.
        #[arg(long, default_value_t = 8)]
        writers: usize,
        /// Requests the writers file in all.
        #[arg(long, default_value_t = 2000)]
        intake: usize,
        /// Timed calls per list or figure measurement.
        #[arg(long, default_value_t = 40)]
        samples: usize,
    },
}

const GRIDS: usize = 4;
const BUILDINGS_PER_GRID: usize = 5;
const ENTRANCES_PER_BUILDING: usize = 3;
const VOLUNTEERS: usize = 5;
/// Requests per transaction.
const BATCH: usize = 20_000;

struct Place {
    community: PlaceId,
    subdistrict: PlaceId,
    district: PlaceId,
    prefix: String,
    /// (grid, building, entrance) of each entrance.
    entrances: Vec<(PlaceId, PlaceId, PlaceId)>,
    volunteers: Vec<UserId>,
}

pub async fn run(store: &SqlStore, command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Load {
            communities,
            requests,
            years,
            seed,
        } => load(store, communities.max(1), requests, years.max(1), seed).await,
        BenchCommand::Run {
            writers,
            intake,
            samples,
        } => measure(store, writers.max(1), intake, samples.max(1)).await,
    }
}

/// p50 and p99 of timed calls, in milliseconds.
fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (at(0.50), at(0.99))
}

/// Peak resident memory of this process, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn measure(
    store: &SqlStore,
    writers: usize,
    intake: usize,
    samples: usize,
) -> anyhow::Result<()> {
    use bangbang_domain::{request::RequestInput, Actor, Scope};
    use bangbang_store::{RequestFilter, StatsScope};
    let bench: Vec<_> = store
        .communities()
        .await?
        .into_iter()
        .filter(|c| c.slug.starts_with("bench-"))
        .collect();
    let community = bench
        .first()
        .cloned()
        .context("no benchmark communities: run `bangbang bench load` first")?;
    let actor = |role, place| Actor {
        user_id: None,
        username: "bench".into(),
        display_name: "基准".into(),
        role,
        scope: Scope::Within(place),
        skills: Vec::new(),
    };
    let staff = actor(Role::Staff, community.id);
    let scopes = [
        ("community", staff.clone()),
        (
            "sub-district",
            actor(Role::Supervisor, community.subdistrict_id),
        ),
        ("district", actor(Role::Supervisor, community.district_id)),
    ];
    println!(
        "bench run on {} ({} writers, {intake} requests over {} communities, {samples} samples)",
        store.backend().name(),
        writers,
        bench.len()
    );

    // The database's own limit: one durable single-row commit after another.
    let limit_started = Instant::now();
    let mut commits = 0u64;
    while limit_started.elapsed().as_secs_f64() < 2.0 {
        store
            .throttle_hit("bench:commit", to_ms(Utc::now()), 60_000)
            .await?;
        commits += 1;
    }
    let limit = commits as f64 / limit_started.elapsed().as_secs_f64();
    store.throttle_clear("bench:commit").await?;

    // Intake: writers filing requests at once, spread over every benchmark community (as
    // a city's desks file them), each by a staff member of the request's community.
    let desks: std::sync::Arc<Vec<(String, Actor)>> = std::sync::Arc::new(
        bench
            .iter()
            .map(|c| (c.slug.clone(), actor(Role::Staff, c.id)))
            .collect(),
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        let desks = desks.clone();
        let share = intake / writers + usize::from(w < intake % writers);
        tasks.push(tokio::spawn(async move {
            let mut waits = Vec::with_capacity(share);
            for i in 0..share {
                let (slug, staff) = &desks[(w + i * writers) % desks.len()];
                let now = Utc::now();
                let draft = RequestInput {
                    community: Some(slug.clone()),
                    category: Some("other".into()),
                    reporter_name: Some("居民".into()),
                    reporter_phone: Some("13912345678".into()),
                    description: Some("基准测试".into()),
                    ..Default::default()
                }
                .parse(now)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                let t = Instant::now();
                store.create_request(staff, draft, None, now).await?;
                waits.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(waits)
        }));
    }
    let mut waits = Vec::with_capacity(intake);
    for task in tasks {
        waits.extend(task.await??);
    }
    let rate = intake as f64 / started.elapsed().as_secs_f64();
    println!(
        "intake: {rate:.0} requests/s at concurrency {writers}; single-row commits one after another: {limit:.0}/s ({:.2}x)",
        rate / limit.max(1e-9)
    );
    if !waits.is_empty() {
        let (p50, p99) = percentiles(waits);
        println!("intake, one request: p50 {p50:.1} ms, p99 {p99:.1} ms");
    }

    // `serve` folds the intake's rollup differences within 2 s; so does the benchmark.
    store.fold_figures().await?;

    // Lists and figures at each scope. Figures over whole months (and over the year to
    // date, whose months add only days to come) read the rollups; the last 365 days start
    // inside a month, so they count rows: both are printed, side by side.
    let now = Utc::now();
    let this_month = month_of(now);
    let periods = [
        (
            "the last 12 whole months",
            to_ms(month_start(this_month - 12)),
            to_ms(month_start(this_month)),
        ),
        (
            "the year to date",
            to_ms(month_start(this_month - this_month.rem_euclid(12))),
            to_ms(start_of_local_day(local_date(now) + chrono::Days::new(1))),
        ),
        (
            "the last 365 days (rows)",
            to_ms(now) - 365 * 24 * 3600 * 1000,
            to_ms(now),
        ),
    ];
    for (name, who) in &scopes {
        let filter = RequestFilter {
            limit: 50,
            ..RequestFilter::for_actor(who)
        };
        let mut first = Vec::new();
        let mut later = Vec::new();
        let mut next = None;
        for _ in 0..samples {
            let t = Instant::now();
            let page = store.list_requests(&filter).await?;
            first.push(t.elapsed().as_secs_f64() * 1000.0);
            next = page.next.or(next);
            if let Some(cursor) = next {
                let t = Instant::now();
                let page = store
                    .list_requests(&RequestFilter {
                        cursor: Some(cursor),
                        ..filter.clone()
                    })
                    .await?;
                later.push(t.elapsed().as_secs_f64() * 1000.0);
                next = page.next;
            }
        }
        let (p50, p99) = percentiles(first);
        print!("list, {name}: first page p50 {p50:.1} ms, p99 {p99:.1} ms");
        if !later.is_empty() {
            let (p50, p99) = percentiles(later);
            print!("; later pages p50 {p50:.1} ms, p99 {p99:.1} ms");
        }
        println!();
        for (period, from, to) in periods {
            let mut times = Vec::new();
            let mut report = Vec::new();
            let scope = StatsScope {
                from_ms: Some(from),
                to_ms: Some(to),
                ..StatsScope::for_actor(who, to_ms(Utc::now()))
            };
            for _ in 0..samples.min(10) {
                let t = Instant::now();
                std::hint::black_box(store.stats(&scope).await?);
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                let t = Instant::now();
                std::hint::black_box(store.report_extras(&scope).await?);
                report.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            let (p50, p99) = percentiles(times);
            let (r50, r99) = percentiles(report);
            println!(
                "stats, {name}, {period}: p50 {p50:.1} ms, p99 {p99:.1} ms; report's trend and grids p50 {r50:.1} ms, p99 {r99:.1} ms"
            );
        }
    }
    println!("peak RSS: {:.0} MiB", peak_rss_mib());
    Ok(())
}

async fn load(
    store: &SqlStore,
    communities: usize,
    requests: u64,
    years: u32,
    seed: u64,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    for (i, c) in default_categories().iter().enumerate() {
        store.upsert_category(c, i as i64).await?;
    }
    let places = places(store, communities, seed).await?;
    println!(
        "{} communities with {} entrances and {} volunteers each, in {:.1}s",
        places.len(),
        GRIDS * BUILDINGS_PER_GRID * ENTRANCES_PER_BUILDING,
        VOLUNTEERS,
        started.elapsed().as_secs_f64()
    );
    let categories: Vec<CategoryCode> = default_categories().into_iter().map(|c| c.code).collect();
    let now = Utc::now();
    let span_ms = i64::from(years) * 365 * 24 * 3600 * 1000;
    let start_ms = to_ms(now) - span_ms;
    // The number of each community's requests reported on each local day, for their codes.
    let mut numbers: HashMap<(usize, chrono::NaiveDate), u32> = HashMap::new();
    let loading = Instant::now();
    let mut written = 0u64;
    let mut batch = Vec::with_capacity(BATCH);
    // Requests are written in time order, so each chain grows as a real one would.
    let step = span_ms as f64 / requests.max(1) as f64;
    for n in 0..requests {
        let reported_ms =
            start_ms + (n as f64 * step) as i64 + rng.gen_range(0..(step as i64).max(1));
        let c = rng.gen_range(0..places.len());
        batch.push(request(
            &mut rng,
            &places[c],
            c,
            &categories,
            reported_ms,
            to_ms(now),
            &mut numbers,
        ));
        if batch.len() == BATCH {
            store.bulk_load("bench", &batch).await?;
            written += batch.len() as u64;
            batch.clear();
            if written.is_multiple_of(1_000_000) {
                println!(
                    "  {written} requests, {:.0}/s",
                    written as f64 / loading.elapsed().as_secs_f64()
                );
            }
        }
    }
    store.bulk_load("bench", &batch).await?;
    written += batch.len() as u64;
    store.analyze().await?;
    let secs = loading.elapsed().as_secs_f64();
    println!(
        "wrote {written} requests (each with its created event) in {secs:.1}s: {:.0} requests/s on {}",
        written as f64 / secs.max(1e-9),
        store.backend().name()
    );
    Ok(())
}

/// The places and volunteers, made with the store's own calls (a few per community).
async fn places(store: &SqlStore, communities: usize, seed: u64) -> anyhow::Result<Vec<Place>> {
    let place = |kind, parent: Option<PlaceId>, name: String| NewPlace {
        kind,
        parent_id: parent,
        name,
        slug: None,
        code_prefix: None,
        number: None,
    };
    let district = store
        .add_place(place(PlaceKind::District, None, format!("基准区{seed}")))
        .await?;
    let mut out = Vec::with_capacity(communities);
    let mut subdistrict = district;
    for i in 0..communities {
        if i.is_multiple_of(100) {
            subdistrict = store
                .add_place(place(
                    PlaceKind::Subdistrict,
                    Some(district),
                    format!("基准街道{seed}-{}", i / 100 + 1),
                ))
                .await?;
        }
        let prefix = format!("B{seed}X{i}");
        let community = store
            .add_place(NewPlace {
                slug: Some(format!("bench-{seed}-{i}")),
                code_prefix: Some(prefix.clone()),
                ..place(
                    PlaceKind::Community,
                    Some(subdistrict),
                    format!("基准社区{seed}-{i}"),
                )
            })
            .await
            .with_context(|| format!("adding community {i}"))?;
        let mut entrances = Vec::new();
        for g in 0..GRIDS {
            let grid = store
                .add_place(place(
                    PlaceKind::Grid,
                    Some(community),
                    format!("第{}网格", g + 1),
                ))
                .await?;
            for b in 0..BUILDINGS_PER_GRID {
                let number = (g * BUILDINGS_PER_GRID + b + 1).to_string();
                let building = store
                    .add_place(NewPlace {
                        number: Some(number.clone()),
                        ..place(PlaceKind::Building, Some(grid), format!("{number}号楼"))
                    })
                    .await?;
                for e in 1..=ENTRANCES_PER_BUILDING {
                    let entrance = store
                        .add_place(NewPlace {
                            number: Some(e.to_string()),
                            ..place(PlaceKind::Entrance, Some(building), format!("{e}门"))
                        })
                        .await?;
                    entrances.push((grid, building, entrance));
                }
            }
        }
        let mut volunteers = Vec::new();
        for v in 0..VOLUNTEERS {
            let user = store
                .add_user(NewUser {
                    username: format!("bench{seed}_{i}_v{v}"),
                    display_name: format!("志愿者{v}"),
                    role: Role::Volunteer,
                    scope_place_id: Some(community),
                    // Not a password hash: benchmark volunteers cannot sign in.
                    password_hash: "!bench".into(),
                    phone: None,
                    skills: vec!["general".into()],
                    home_entrance_id: None,
                })
                .await?;
            volunteers.push(user.id);
        }
        let path = store.community(&format!("bench-{seed}-{i}")).await?;
        out.push(Place {
            community,
            subdistrict: path.subdistrict_id,
            district: path.district_id,
            prefix,
            entrances,
            volunteers,
        });
    }
    Ok(out)
}

/// One request: where, what, and a state its age makes likely.
fn request(
    rng: &mut StdRng,
    place: &Place,
    index: usize,
    categories: &[CategoryCode],
    reported_ms: i64,
    now_ms: i64,
    numbers: &mut HashMap<(usize, chrono::NaiveDate), u32>,
) -> BulkRequest {
    let (grid, building, entrance) = place.entrances[rng.gen_range(0..place.entrances.len())];
    let day = local_date(bangbang_domain::time::from_ms(reported_ms));
    let number = numbers.entry((index, day)).or_insert(0);
    *number += 1;
    let hour = 3600 * 1000;
    let respond_by_ms = reported_ms + 2 * hour;
    let resolve_by_ms = reported_ms + 72 * hour;
    let age_days = (now_ms - reported_ms) / (24 * hour);
    // Old requests are mostly done; the last few days' are mostly open.
    let roll: u32 = rng.gen_range(0..100);
    let status = if age_days > 14 {
        match roll {
            0..=59 => Status::Resolved,
            60..=79 => Status::Reviewed,
            80..=86 => Status::LongTerm,
            87..=93 => Status::Closed,
            _ => Status::Submitted,
        }
    } else {
        match roll {
            0..=24 => Status::Submitted,
            25..=39 => Status::Pooled,
            40..=54 => Status::Accepted,
            55..=64 => Status::InProgress,
            _ => Status::Resolved,
        }
    };
    let acted = status != Status::Submitted;
    // Nothing happens after now: the newest requests' steps are cut off at the present.
    let first_response_ms =
        acted.then(|| (reported_ms + rng.gen_range(5..4 * 60) * 60 * 1000).min(now_ms));
    let done = matches!(status, Status::Resolved | Status::Reviewed);
    let resolved_ms = done.then(|| (reported_ms + rng.gen_range(1..120) * hour).min(now_ms));
    let assigned = matches!(
        status,
        Status::Accepted | Status::InProgress | Status::Resolved | Status::Reviewed
    );
    let assignee = assigned.then(|| place.volunteers[rng.gen_range(0..place.volunteers.len())]);
    let satisfaction = (status == Status::Reviewed).then(|| match rng.gen_range(0..10) {
        0..=7 => Satisfaction::Satisfied,
        8 => Satisfaction::Basic,
        _ => Satisfaction::Unsatisfied,
    });
    let channel = match rng.gen_range(0..10) {
        0..=3 => Channel::Phone,
        4..=5 => Channel::Visit,
        6..=7 => Channel::GridPatrol,
        _ => Channel::Web,
    };
    BulkRequest {
        community: place.community,
        subdistrict: place.subdistrict,
        district: place.district,
        grid: Some(grid),
        building: Some(building),
        entrance: Some(entrance),
        code: format!("{}-{}-{:03}", place.prefix, day.format("%Y%m%d"), number),
        category: categories[rng.gen_range(0..categories.len())].clone(),
        channel,
        urgency: if rng.gen_range(0..10) == 0 {
            Urgency::Urgent
        } else {
            Urgency::Normal
        },
        status,
        reporter_name: "居民".into(),
        reporter_phone: format!("139{:08}", rng.gen_range(0..100_000_000u32)),
        description: "楼道灯不亮，下水不通，请帮忙看看".into(),
        reported_ms,
        respond_by_ms,
        resolve_by_ms,
        first_response_ms,
        resolved_ms,
        assignee,
        service_minutes: done.then(|| rng.gen_range(15..240)),
        satisfaction,
        track_key: format!("{:010X}", rng.gen_range(0..(1u64 << 40))),
    }
}
