//! The figures' rollups give exactly what counting the rows gives: random requests walked
//! through random lifecycles (resolved, reviewed, reopened, closed, followed up), with the
//! rollups folded at random moments, then every scope and random whole-month periods
//! compared, on SQLite and on PostgreSQL. Tampering with a rollup shows the figures really
//! are read from it.

use bangbang_domain::{
    access::Actor,
    category::default_categories,
    figures::month_start,
    lifecycle::{Action, CloseReason, DispatchTarget, Satisfaction},
    time::to_ms,
    Role,
};
use bangbang_store::{on_both_backends, story, NewUser, SqlStore, StatsScope, Store};
use chrono::Duration;
use sqlx::Executor;

on_both_backends!(fresh; rollups_equal_counting_the_rows);

async fn fresh(store: SqlStore) -> SqlStore {
    store
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

async fn rollups_equal_counting_the_rows(store: SqlStore) {
    let f = story::fixture(&store).await;
    let district = store.place_by_id(f.community.district_id).await.unwrap();
    let district_supervisor = store
        .add_user(NewUser {
            username: "dsup".into(),
            display_name: "区督导".into(),
            role: Role::Supervisor,
            scope_place_id: Some(district.id),
            password_hash: "not-a-real-hash".into(),
            phone: None,
            skills: Vec::new(),
            home_entrance_id: None,
        })
        .await
        .unwrap()
        .actor();
    let categories: Vec<String> = default_categories()
        .iter()
        .take(4)
        .map(|c| c.code.to_string())
        .collect();
    let channels = ["phone", "visit", "web"];
    let mut rng = Rng(20261130);
    let first_month = 2024 * 12;
    for n in 0..90 {
        let (actor, community) = if rng.below(3) == 0 {
            (&f.other_staff, "dadi")
        } else {
            (&f.staff, "liuxiali")
        };
        let month = first_month + rng.below(18) as i32;
        let reported = month_start(month) + Duration::hours(rng.below(27 * 24) as i64);
        let mut draft = story::draft(
            community,
            &categories[rng.below(categories.len() as u64) as usize],
            "2024-01-01 08:00",
        );
        draft.reported_at = reported;
        draft.channel = bangbang_domain::Channel::parse(channels[rng.below(3) as usize]).unwrap();
        draft.entrance = match rng.below(3) {
            0 => None,
            1 => Some("1".into()),
            _ => Some("2".into()),
        };
        if draft.entrance.is_none() {
            draft.building = None;
        }
        let request = store
            .create_request(actor, draft, None, reported)
            .await
            .unwrap();
        let mut at = reported;
        for _ in 0..rng.below(6) {
            at += Duration::hours(1 + rng.below(100) as i64);
            let action = match rng.below(8) {
                0 => Action::Dispatch {
                    target: DispatchTarget::Pool,
                },
                1 | 2 => Action::Resolve {
                    outcome: "已处理".into(),
                    minutes: 30,
                },
                3 => Action::Review {
                    satisfaction: match rng.below(3) {
                        0 => Satisfaction::Satisfied,
                        1 => Satisfaction::Basic,
                        _ => Satisfaction::Unsatisfied,
                    },
                    note: "回访".into(),
                },
                4 => Action::Reopen {
                    reason: "未修好".into(),
                },
                5 => Action::Close {
                    reason: CloseReason::Withdrawn,
                    duplicate_of: None,
                    note: "居民撤回".into(),
                },
                6 => Action::FollowUp {
                    note: "等配件".into(),
                    next_at: at + Duration::days(10),
                },
                _ => Action::Note {
                    text: "记录".into(),
                },
            };
            // Refused moves change nothing; the walk goes on from where it is.
            let _ = store.apply(actor, request.id, action, at).await;
        }
        if n % 25 == 24 {
            store.fold_figures().await.unwrap();
        }
    }

    let now = to_ms(month_start(first_month + 19));
    let viewers: Vec<(&str, &Actor, Option<bangbang_domain::PlaceId>)> = vec![
        ("everywhere", &f.admin, None),
        ("admin, one community", &f.admin, Some(f.other.id)),
        ("community staff", &f.staff, None),
        ("other community staff", &f.other_staff, None),
        (
            "staff naming their community",
            &f.staff,
            Some(f.community.id),
        ),
        ("sub-district supervisor", &f.supervisor, None),
        ("district supervisor", &district_supervisor, None),
    ];
    let mut periods = vec![(None, None)];
    for _ in 0..12 {
        let a = first_month - 1 + rng.below(20) as i32;
        let b = a + 1 + rng.below(8) as i32;
        periods.push((Some(a), Some(b)));
        periods.push((Some(a), None));
        periods.push((None, Some(b)));
    }
    let day = 86_400_000;
    let mut day_periods: Vec<(Option<i64>, Option<i64>)> = Vec::new();
    for _ in 0..8 {
        // Periods that start or end inside a month: counted from the rows where requests
        // lie in the rest of the month, from the rollups where none do.
        let a =
            to_ms(month_start(first_month - 1 + rng.below(20) as i32)) + day * rng.below(20) as i64;
        let b = a + day * (1 + rng.below(200) as i64);
        day_periods.push((Some(a), Some(b)));
        day_periods.push((Some(a), None));
        day_periods.push((None, Some(b)));
    }
    // Up to "today", a day into the month after the last request.
    let today = to_ms(month_start(first_month + 18)) + day;
    day_periods.push((Some(to_ms(month_start(first_month))), Some(today)));
    day_periods.push((None, Some(today)));
    let mut compared = 0;
    let mut not_yet_due_seen = false;
    let periods: Vec<(Option<i64>, Option<i64>)> = periods
        .into_iter()
        .map(|(a, b)| {
            (
                a.map(|m| to_ms(month_start(m))),
                b.map(|m| to_ms(month_start(m))),
            )
        })
        .chain(day_periods)
        .collect();
    // "Now" after every request, and inside the history, where some open requests are
    // not yet due.
    let nows = [now, to_ms(month_start(first_month + 9)) + 3 * day];
    for ((name, actor, community), (a, b)) in viewers
        .iter()
        .flat_map(|v| periods.iter().map(move |p| (v, p)))
    {
        for now in nows {
            let scope = StatsScope {
                community_id: *community,
                from_ms: *a,
                to_ms: *b,
                ..StatsScope::for_actor(actor, now)
            };
            let rolled = store.stats(&scope).await.unwrap();
            let counted = store.stats_from_rows(&scope).await.unwrap();
            assert_eq!(rolled, counted, "{name}, {a:?}..{b:?} at {now}");
            let rolled = store.report_extras(&scope).await.unwrap();
            let counted = store.report_extras_from_rows(&scope).await.unwrap();
            assert_eq!(rolled, counted, "{name}, {a:?}..{b:?} (report)");
            if now != nows[0] && rolled_overdue(&store, &scope).await > 0 {
                not_yet_due_seen = true;
            }
            compared += 1;
        }
    }
    assert!(compared > 400);
    assert!(
        not_yet_due_seen,
        "some period inside the history has overdue requests"
    );
    let everything = StatsScope::for_actor(&f.admin, now);
    let all = store.stats(&everything).await.unwrap();
    assert_eq!(all.counts.received, 90);
    assert!(all.counts.resolved > 0 && all.counts.closed > 0 && all.counts.rated > 0);
    assert!(all.by_category.iter().any(|c| c.resolved_entrances > 0));

    // Folding changes nothing a reader sees.
    store.fold_figures().await.unwrap();
    assert_eq!(store.stats(&everything).await.unwrap(), all);
    // The figures are read from the rollups: take one away and they differ from the rows.
    store
        .pool()
        .execute("UPDATE figures SET received = received + 1 WHERE place_id = 0")
        .await
        .unwrap();
    assert_ne!(
        store.stats(&everything).await.unwrap(),
        store.stats_from_rows(&everything).await.unwrap()
    );
    // So are those of a year to date that ends today, inside a month.
    let year_to_date = StatsScope {
        from_ms: Some(to_ms(month_start(first_month + 12))),
        to_ms: Some(today),
        ..everything.clone()
    };
    assert_ne!(
        store.stats(&year_to_date).await.unwrap(),
        store.stats_from_rows(&year_to_date).await.unwrap()
    );
    // A rebuild puts them right.
    store.rebuild_figures().await.unwrap();
    assert_eq!(store.stats(&everything).await.unwrap(), all);
}

async fn rolled_overdue(store: &SqlStore, scope: &StatsScope) -> i64 {
    store.stats(scope).await.unwrap().counts.overdue
}

/// Two instances on one PostgreSQL database, each filing requests and folding the rollups
/// as `serve` does, at the same time: the figures still equal counting the rows.
#[tokio::test]
async fn two_instances_writing_and_folding_keep_the_figures_exact() {
    let Some(url) = bangbang_store::testing::postgres_url().await else {
        return;
    };
    let first = SqlStore::connect(&url).await.unwrap();
    let second = SqlStore::connect(&url).await.unwrap();
    let f = story::fixture(&first).await;
    let mut tasks = Vec::new();
    for (n, store) in [first.clone(), second.clone()].into_iter().enumerate() {
        let staff = if n == 0 {
            f.staff.clone()
        } else {
            f.other_staff.clone()
        };
        let community = if n == 0 { "liuxiali" } else { "dadi" };
        tasks.push(tokio::spawn(async move {
            for i in 0..40 {
                let mut draft = story::draft(community, "other", "2024-07-01 09:00");
                draft.entrance = Some(if i % 2 == 0 { "1" } else { "2" }.into());
                let request = store
                    .create_request(&staff, draft, None, chrono::Utc::now())
                    .await
                    .unwrap();
                if i % 3 == 0 {
                    let resolve = Action::Resolve {
                        outcome: "已处理".into(),
                        minutes: 10,
                    };
                    store
                        .apply(&staff, request.id, resolve, chrono::Utc::now())
                        .await
                        .unwrap();
                }
            }
        }));
    }
    for store in [first.clone(), second.clone()] {
        tasks.push(tokio::spawn(async move {
            for _ in 0..30 {
                store.fold_figures().await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let scope = StatsScope::for_actor(&f.admin, chrono::Utc::now().timestamp_millis());
    let rolled = first.stats(&scope).await.unwrap();
    assert_eq!(rolled, first.stats_from_rows(&scope).await.unwrap());
    assert_eq!(rolled.counts.received, 80);
    second.fold_figures().await.unwrap();
    assert_eq!(second.stats(&scope).await.unwrap(), rolled);
}

/// Two instances starting at once on a database whose rollups are stale: one rebuilds, the
/// other waits for it, and both start (no serialization failure, no second rebuild needed).
#[tokio::test]
async fn two_instances_starting_at_once_rebuild_once() {
    let Some(url) = bangbang_store::testing::postgres_url().await else {
        return;
    };
    let store = SqlStore::connect(&url).await.unwrap();
    let f = story::fixture(&store).await;
    for _ in 0..5 {
        story::run_story_request(&store, &f).await;
    }
    store
        .pool()
        .execute("DELETE FROM figures_state")
        .await
        .unwrap();
    let (a, b) = tokio::join!(SqlStore::connect(&url), SqlStore::connect(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let scope = StatsScope::for_actor(&f.admin, chrono::Utc::now().timestamp_millis());
    let rolled = a.stats(&scope).await.unwrap();
    assert_eq!(rolled.counts.received, 5);
    assert_eq!(rolled, b.stats_from_rows(&scope).await.unwrap());
    let state: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM figures_state")
        .fetch_one(b.pool())
        .await
        .unwrap();
    assert_eq!(state.0, 1);
}
