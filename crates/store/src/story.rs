//! The store's story: one test, generic over [`Store`], that both backends must pass.
//! It is public so each backend's test calls the very same code.

use crate::{model::*, Store, StoreError};
use bangbang_domain::{
    access::Actor,
    category::{default_categories, CategoryCode},
    lifecycle::{Action, ActionKind, DispatchTarget, LifecycleError, Satisfaction, Status},
    place::PlaceKind,
    request::{RequestDraft, RequestInput},
    time::{parse_instant, Period},
    PlaceId, Role, Scope,
};
use chrono::{DateTime, Duration, Utc};

/// Files one ordinary request in the fixture's first community (for tests that need a
/// real write beside others).
pub async fn run_story_request(store: &dyn Store, f: &Fixture) {
    let draft = RequestInput {
        community: Some(f.community.slug.clone()),
        category: Some("other".into()),
        reporter_name: Some("李阿姨".into()),
        reporter_phone: Some("13812345678".into()),
        description: Some("楼道灯不亮".into()),
        ..Default::default()
    }
    .parse(Utc::now())
    .expect("a good request");
    store
        .create_request(&f.staff, draft, None, Utc::now())
        .await
        .expect("filed");
}

/// Two communities in one sub-district, with staff, two volunteers and a supervisor.
pub struct Fixture {
    /// The operator with the whole database in reach (the command line).
    pub admin: Actor,
    pub community: Community,
    pub other: Community,
    pub staff: Actor,
    pub other_staff: Actor,
    pub volunteer: Actor,
    pub volunteer2: Actor,
    pub supervisor: Actor,
}

fn place(kind: PlaceKind, parent: Option<PlaceId>, name: &str) -> NewPlace {
    NewPlace {
        kind,
        parent_id: parent,
        name: name.into(),
        slug: None,
        code_prefix: None,
        number: None,
    }
}

async fn user(store: &dyn Store, name: &str, role: Role, scope: PlaceId, skills: &[&str]) -> Actor {
    store
        .add_user(NewUser {
            username: name.into(),
            display_name: name.to_uppercase(),
            role,
            scope_place_id: Some(scope),
            password_hash: "not-a-real-hash".into(),
            phone: None,
            skills: skills.iter().map(|s| s.to_string()).collect(),
            home_entrance_id: None,
        })
        .await
        .expect("add user")
        .actor()
}

pub async fn fixture(store: &dyn Store) -> Fixture {
    for (i, c) in default_categories().iter().enumerate() {
        store.upsert_category(c, i as i64).await.unwrap();
    }
    let district = store
        .add_place(place(PlaceKind::District, None, "红桥区"))
        .await
        .unwrap();
    let sub = store
        .add_place(place(PlaceKind::Subdistrict, Some(district), "西沽街道"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (name, slug, prefix) in [
        ("流霞里社区", "liuxiali", "LXL"),
        ("大堤社区", "dadi", "DD"),
    ] {
        let c = store
            .add_place(NewPlace {
                slug: Some(slug.into()),
                code_prefix: Some(prefix.into()),
                ..place(PlaceKind::Community, Some(sub), name)
            })
            .await
            .unwrap();
        let grid = store
            .add_place(place(PlaceKind::Grid, Some(c), "第一网格"))
            .await
            .unwrap();
        let building = store
            .add_place(NewPlace {
                number: Some("3".into()),
                ..place(PlaceKind::Building, Some(grid), "3号楼")
            })
            .await
            .unwrap();
        for n in ["1", "2"] {
            store
                .add_place(NewPlace {
                    number: Some(n.into()),
                    ..place(PlaceKind::Entrance, Some(building), &format!("{n}门"))
                })
                .await
                .unwrap();
        }
        ids.push(c);
    }
    // Adding the same place again returns the same id and adds nothing.
    assert_eq!(
        store
            .add_place(place(PlaceKind::District, None, "红桥区"))
            .await
            .unwrap(),
        district
    );
    let community = store.community("liuxiali").await.unwrap();
    let other = store.community("dadi").await.unwrap();
    Fixture {
        admin: Actor {
            user_id: None,
            username: "admin".into(),
            display_name: "管理员".into(),
            role: Role::Admin,
            scope: Scope::Everywhere,
            skills: Vec::new(),
        },
        staff: user(store, "staff1", Role::Staff, ids[0], &[]).await,
        other_staff: user(store, "staff2", Role::Staff, ids[1], &[]).await,
        volunteer: user(
            store,
            "vol1",
            Role::Volunteer,
            ids[0],
            &["sewer_overflow", "plumbing"],
        )
        .await,
        volunteer2: user(store, "vol2", Role::Volunteer, ids[0], &["general"]).await,
        supervisor: user(store, "sup1", Role::Supervisor, sub, &[]).await,
        community,
        other,
    }
}

pub fn draft(community: &str, category: &str, at: &str) -> RequestDraft {
    RequestInput {
        community: Some(community.into()),
        channel: Some("phone".into()),
        category: Some(category.into()),
        urgency: None,
        reporter_name: Some("张大爷".into()),
        reporter_phone: Some("13812345678".into()),
        building: Some("3".into()),
        entrance: Some("2".into()),
        room: Some("301".into()),
        description: Some("楼道下水往外冒".into()),
        reported_at: Some(at.into()),
    }
    .parse(parse_instant("2024-12-01").unwrap())
    .expect("a valid draft")
}

fn at(text: &str) -> DateTime<Utc> {
    parse_instant(text).unwrap()
}

/// The whole mechanism on one store: 点单 → 派单 → 接单 → 办结 → 回访, with refusals,
/// scope, the ledger and the figures.
pub async fn run_story(store: &dyn Store) {
    let f = fixture(store).await;

    // 点单: staff record a call.
    let req = store
        .create_request(
            &f.staff,
            draft("liuxiali", "sewer_overflow", "2024-07-03 09:30"),
            None,
            at("2024-07-03 09:35"),
        )
        .await
        .unwrap();
    assert_eq!(req.code, "LXL-20240703-001");
    assert_eq!(req.status(), Status::Submitted);
    assert_eq!(req.building.as_deref(), Some("3"));
    assert_eq!(req.entrance.as_deref(), Some("2"));
    assert_eq!(req.grid.as_deref(), Some("第一网格"));
    assert_eq!(req.resolve_by - req.reported_at, Duration::days(7));
    let second = store
        .create_request(
            &f.staff,
            draft("liuxiali", "stairwell_light", "2024-07-03 15:00"),
            None,
            at("2024-07-03 15:00"),
        )
        .await
        .unwrap();
    assert_eq!(second.code, "LXL-20240703-002");

    // Bad references are refused with per-field errors and store nothing.
    let mut bad = draft("liuxiali", "sewer_overflow", "2024-07-03 10:00");
    bad.category = CategoryCode::parse("flying_saucer").unwrap();
    bad.building = Some("99".into());
    match store.create_request(&f.staff, bad, None, Utc::now()).await {
        Err(StoreError::Invalid(errors)) => {
            assert!(errors.get("category").is_some());
            assert!(errors.get("address.building").is_some());
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    match store
        .create_request(
            &f.staff,
            draft("nowhere", "other", "2024-07-03 10:00"),
            None,
            Utc::now(),
        )
        .await
    {
        Err(StoreError::Invalid(errors)) => assert!(errors.get("community").is_some()),
        other => panic!("expected invalid, got {other:?}"),
    }
    // Staff of another community can neither file for nor see this one.
    assert!(matches!(
        store
            .create_request(
                &f.other_staff,
                draft("liuxiali", "other", "2024-07-03 10:00"),
                None,
                Utc::now()
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let note = Action::Note {
        text: "看看".into(),
    };
    assert!(matches!(
        store
            .apply(&f.other_staff, req.id, note.clone(), Utc::now())
            .await,
        Err(StoreError::NotFound(_))
    ));

    // A volunteer cannot dispatch; a refused transition changes nothing.
    let pool = Action::Dispatch {
        target: DispatchTarget::Pool,
    };
    assert!(matches!(
        store
            .apply(&f.volunteer, req.id, pool.clone(), Utc::now())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    match store
        .apply(&f.staff, req.id, Action::Start, Utc::now())
        .await
    {
        Err(StoreError::Lifecycle(LifecycleError::NotAllowed {
            state,
            action,
            allowed,
        })) => {
            assert_eq!(state, Status::Submitted);
            assert_eq!(action, ActionKind::Start);
            assert!(allowed.contains(&ActionKind::Dispatch));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(store.events(req.id).await.unwrap().len(), 1);

    // 派单 to a named volunteer, who accepts, starts and resolves.
    let target = DispatchTarget::Volunteer {
        id: f.volunteer.user_id.unwrap(),
        name: f.volunteer.display_name.clone(),
    };
    let r = store
        .apply(
            &f.staff,
            req.id,
            Action::Dispatch { target },
            at("2024-07-03 10:00"),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status(), r.state.assignee_id),
        (Status::Dispatched, f.volunteer.user_id)
    );
    assert_eq!(r.assignee_name.as_deref(), Some("VOL1"));
    // The other volunteer cannot accept what was sent to someone else, and cannot learn
    // the state of what they may not see.
    assert!(store
        .apply(&f.volunteer2, req.id, Action::Accept, Utc::now())
        .await
        .is_err());
    assert!(matches!(
        store
            .apply(&f.volunteer2, req.id, Action::Start, Utc::now())
            .await,
        Err(StoreError::NotFound(_))
    ));
    store
        .apply(&f.volunteer, req.id, Action::Accept, at("2024-07-03 10:20"))
        .await
        .unwrap();
    store
        .apply(&f.volunteer, req.id, Action::Start, at("2024-07-03 14:00"))
        .await
        .unwrap();
    let resolve = Action::Resolve {
        outcome: "疏通下水，更换存水弯".into(),
        minutes: 90,
    };
    let r = store
        .apply(&f.volunteer, req.id, resolve, at("2024-07-03 15:30"))
        .await
        .unwrap();
    assert_eq!(r.status(), Status::Resolved);
    assert_eq!(r.state.service_minutes, Some(90));
    // 回访
    let review = Action::Review {
        satisfaction: Satisfaction::Satisfied,
        note: "很满意".into(),
    };
    let r = store
        .apply(&f.staff, req.id, review, at("2024-07-04 09:00"))
        .await
        .unwrap();
    assert_eq!(r.status(), Status::Reviewed);
    // The supervisor may add a note but not reopen.
    store
        .apply(
            &f.supervisor,
            req.id,
            Action::Note {
                text: "督办已阅".into(),
            },
            at("2024-07-05 09:00"),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .apply(
                &f.supervisor,
                req.id,
                Action::Reopen { reason: "x".into() },
                Utc::now()
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));

    let events = store.events(req.id).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "dispatched",
            "accepted",
            "started",
            "resolved",
            "reviewed",
            "noted"
        ]
    );
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(events[2].actor, "vol1");

    // The second request goes to the pool and into long-term follow-up.
    store
        .apply(&f.staff, second.id, pool, at("2024-07-03 15:10"))
        .await
        .unwrap();
    store
        .apply(
            &f.volunteer2,
            second.id,
            Action::Accept,
            at("2024-07-03 16:00"),
        )
        .await
        .unwrap();
    let follow = Action::FollowUp {
        note: "等待更换线路".into(),
        next_at: at("2024-07-20"),
    };
    let r = store
        .apply(&f.staff, second.id, follow, at("2024-07-05 10:00"))
        .await
        .unwrap();
    assert_eq!(r.status(), Status::LongTerm);

    // Lists: scope, filters and keyset pages.
    let all = RequestFilter {
        limit: 1,
        ..RequestFilter::for_actor(&f.staff)
    };
    let page1 = store.list_requests(&all).await.unwrap();
    assert_eq!(page1.items.len(), 1);
    assert_eq!(page1.items[0].id, second.id, "newest first");
    let page2 = store
        .list_requests(&RequestFilter {
            cursor: page1.next,
            ..all.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        page2.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        [req.id]
    );
    assert!(page2.next.is_none());
    let other_scope = RequestFilter {
        limit: 50,
        ..RequestFilter::for_actor(&f.other_staff)
    };
    assert!(store
        .list_requests(&other_scope)
        .await
        .unwrap()
        .items
        .is_empty());
    let by_status = RequestFilter {
        status: Some(Status::LongTerm),
        limit: 50,
        ..RequestFilter::for_actor(&f.admin)
    };
    assert_eq!(
        store.list_requests(&by_status).await.unwrap().items.len(),
        1
    );

    // Figures for July, seen from the sub-district.
    let (from, to) = Period {
        from: Some(at("2024-07-01").date_naive()),
        to: Some(at("2024-07-31").date_naive()),
    }
    .bounds_ms();
    let scope = StatsScope {
        reach: Reach::of(&f.supervisor),
        community_id: None,
        from_ms: Some(from),
        to_ms: Some(to),
        now_ms: at("2024-12-01").timestamp_millis(),
    };
    let stats = store.stats(&scope).await.unwrap();
    assert_eq!(
        (
            stats.counts.received,
            stats.counts.resolved,
            stats.counts.long_term
        ),
        (2, 1, 1)
    );
    assert_eq!(stats.rates.resolution.value, Some(0.5));
    assert_eq!(stats.rates.satisfaction.value, Some(1.0));
    let sewer = stats
        .by_category
        .iter()
        .find(|c| c.category == "sewer_overflow")
        .unwrap();
    assert_eq!(
        (sewer.requests, sewer.entrances, sewer.resolved_entrances),
        (1, 1, 1)
    );
    let other_stats = store
        .stats(&StatsScope {
            community_id: Some(f.other.id),
            ..scope
        })
        .await
        .unwrap();
    assert_eq!(other_stats.counts.received, 0);

    // The desk's helpers: board counts, duplicates, pickers, volunteer candidates.
    let counts = store
        .status_counts(&RequestFilter {
            ..RequestFilter::for_actor(&f.staff)
        })
        .await
        .unwrap();
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 2);
    assert!(counts.contains(&(Status::LongTerm, 1)));
    let dups = store
        .possible_duplicates(
            f.community.id,
            "3",
            Some("2"),
            "stairwell_light",
            at("2024-06-01").timestamp_millis(),
        )
        .await
        .unwrap();
    assert_eq!(dups.iter().map(|r| r.id).collect::<Vec<_>>(), [second.id]);
    let none = store
        .possible_duplicates(f.community.id, "3", Some("1"), "stairwell_light", 0)
        .await
        .unwrap();
    assert!(none.is_empty(), "another entrance is not a duplicate");
    let buildings = store.buildings(f.community.id).await.unwrap();
    assert_eq!(
        (buildings.len(), buildings[0].entrances.clone()),
        (1, vec!["1".to_string(), "2".to_string()])
    );
    assert_eq!(store.grids(f.community.id).await.unwrap().len(), 1);
    let candidates = store.volunteer_candidates(f.community.id).await.unwrap();
    let vol1 = candidates
        .iter()
        .find(|c| Some(c.user_id) == f.volunteer.user_id)
        .unwrap();
    assert_eq!(vol1.resolved, 1);
    let vol2 = candidates
        .iter()
        .find(|c| Some(c.user_id) == f.volunteer2.user_id)
        .unwrap();
    assert_eq!(vol2.open_load, 0, "long-term work is not counted as load");
    let search = RequestFilter {
        text: Some("下水".into()),
        limit: 10,
        ..RequestFilter::for_actor(&f.staff)
    };
    assert_eq!(store.list_requests(&search).await.unwrap().items.len(), 2);
    let search = RequestFilter {
        text: Some("存水弯".into()),
        limit: 10,
        ..RequestFilter::for_actor(&f.admin)
    };
    assert_eq!(
        store.list_requests(&search).await.unwrap().items.len(),
        1,
        "outcomes are searched"
    );
    let search = RequestFilter {
        text: Some("lxl-".into()),
        limit: 10,
        ..RequestFilter::for_actor(&f.admin)
    };
    assert!(
        !store.list_requests(&search).await.unwrap().items.is_empty(),
        "codes are found whatever the case typed, on both databases"
    );
    // NUL is in nothing stored, and PostgreSQL refuses it in a parameter: looking for it
    // finds nothing rather than failing.
    let search = RequestFilter {
        text: Some("下\0水".into()),
        limit: 10,
        ..RequestFilter::for_actor(&f.admin)
    };
    assert!(store.list_requests(&search).await.unwrap().items.is_empty());
    assert!(matches!(
        store.user_by_name("staff1\0").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.request_by_code("LXL\0").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.community("liuxiali\0").await,
        Err(StoreError::NotFound(_))
    ));
    let search = RequestFilter {
        text: Some("100%".into()),
        limit: 10,
        ..RequestFilter::for_actor(&f.admin)
    };
    assert!(
        store.list_requests(&search).await.unwrap().items.is_empty(),
        "% is literal"
    );

    // Sessions.
    store
        .create_session("hash-1", f.staff.user_id.unwrap(), i64::MAX)
        .await
        .unwrap();
    assert_eq!(
        store.actor_by_session("hash-1", 0).await.unwrap().user_id,
        f.staff.user_id
    );
    store
        .create_session("hash-old", f.staff.user_id.unwrap(), 10)
        .await
        .unwrap();
    assert!(matches!(
        store.actor_by_session("hash-old", 11).await,
        Err(StoreError::NotFound(_))
    ));
    // The next sign-in sweeps expired sessions away.
    store
        .create_session("hash-2", f.staff.user_id.unwrap(), i64::MAX)
        .await
        .unwrap();
    assert!(
        store.actor_by_session("hash-old", 0).await.is_err(),
        "the expired session is gone, whatever the clock says"
    );
    store.delete_session("hash-1").await.unwrap();
    assert!(store.actor_by_session("hash-1", 0).await.is_err());

    let report = store.verify_ledger().await.unwrap();
    assert_eq!(report.fault, None);
    assert_eq!(report.events_checked, 11);
}

/// Hours, imports and the report's extra figures, on one store.
pub async fn run_hours_and_import(store: &dyn Store) {
    let f = fixture(store).await;
    let req = store
        .create_request(
            &f.staff,
            draft("liuxiali", "sewer_overflow", "2024-07-03 09:30"),
            None,
            at("2024-07-03 09:35"),
        )
        .await
        .unwrap();
    let target = DispatchTarget::Volunteer {
        id: f.volunteer.user_id.unwrap(),
        name: f.volunteer.display_name.clone(),
    };
    store
        .apply(
            &f.staff,
            req.id,
            Action::Dispatch { target },
            at("2024-07-03 10:00"),
        )
        .await
        .unwrap();
    store
        .apply(&f.volunteer, req.id, Action::Accept, at("2024-07-03 10:10"))
        .await
        .unwrap();
    let resolve = Action::Resolve {
        outcome: "疏通".into(),
        minutes: 90,
    };
    store
        .apply(&f.volunteer, req.id, resolve, at("2024-07-03 12:00"))
        .await
        .unwrap();
    let (all_from, all_to) = (0, i64::MAX);
    let totals = store
        .volunteer_totals(f.staff.scope, None, all_from, all_to, 10)
        .await
        .unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(
        (totals[0].user_id, totals[0].jobs, totals[0].minutes),
        (f.volunteer.user_id.unwrap(), 1, 90)
    );
    // Reopening takes the hours back, in the ledger as a reversal.
    store
        .apply(
            &f.staff,
            req.id,
            Action::Reopen {
                reason: "又堵了".into(),
            },
            at("2024-07-05 09:00"),
        )
        .await
        .unwrap();
    let ledger = store
        .hours_ledger(f.volunteer.user_id.unwrap(), all_from, all_to)
        .await
        .unwrap();
    let minutes: Vec<i64> = ledger.iter().map(|e| e.minutes).collect();
    assert_eq!(minutes, [90, -90]);
    assert_eq!(ledger[0].request_code.as_deref(), Some(req.code.as_str()));
    assert!(store
        .volunteer_totals(f.staff.scope, None, all_from, all_to, 10)
        .await
        .unwrap()
        .is_empty());

    // Hours for a group activity, recorded by staff, are an event of their own.
    let seq = store
        .record_activity_hours(
            &f.staff,
            f.volunteer2.user_id.unwrap(),
            120,
            "社区清洁日",
            at("2024-07-06 10:00"),
        )
        .await
        .unwrap();
    assert!(seq > 0);
    assert!(matches!(
        store
            .record_activity_hours(
                &f.volunteer,
                f.volunteer2.user_id.unwrap(),
                60,
                "x",
                Utc::now()
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store
            .record_activity_hours(
                &f.other_staff,
                f.volunteer2.user_id.unwrap(),
                60,
                "x",
                Utc::now()
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    let totals = store
        .volunteer_totals(
            Scope::Everywhere,
            Some(f.community.id),
            all_from,
            all_to,
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            totals[0].display_name.as_str(),
            totals[0].minutes,
            totals[0].jobs
        ),
        ("VOL2", 120, 0)
    );
    assert_eq!(
        store.verify_ledger().await.unwrap().fault,
        None,
        "events without a request chain too"
    );

    // Import: real histories, all or nothing, and a second run adds nothing.
    let item = |key: &str, category: &str, day: &str, resolved: bool| ImportItem {
        draft: RequestDraft {
            channel: bangbang_domain::Channel::Import,
            ..draft("liuxiali", category, day)
        },
        external_key: key.into(),
        steps: if resolved {
            vec![(
                at(day) + Duration::hours(5),
                Action::Resolve {
                    outcome: "已修好".into(),
                    minutes: 0,
                },
            )]
        } else {
            Vec::new()
        },
    };
    let items = vec![
        item("k1", "stairwell_light", "2024-08-01 09:00", true),
        item("k2", "wall_hazard", "2024-08-02 09:00", false),
    ];
    let outcome = store
        .import_requests(&f.staff, items.clone())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        ImportOutcome {
            created: 2,
            already_there: 0
        }
    );
    assert_eq!(
        store
            .import_requests(&f.staff, items.clone())
            .await
            .unwrap(),
        ImportOutcome {
            created: 0,
            already_there: 2
        }
    );
    let mut bad = items.clone();
    bad.push(item("k3", "other", "2024-08-03 09:00", false));
    bad[2].draft.building = Some("99".into());
    bad.push(item("k4", "other", "2024-08-04 09:00", false));
    let before = store.verify_ledger().await.unwrap().events_checked;
    match store.import_requests(&f.staff, bad).await {
        Err(StoreError::Invalid(errors)) => {
            assert!(errors.get("item 3: address.building").is_some(), "{errors}")
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(
        store.verify_ledger().await.unwrap().events_checked,
        before,
        "nothing of a bad file is stored"
    );
    assert!(matches!(
        store.import_requests(&f.volunteer, items.clone()).await,
        Err(StoreError::Forbidden(_))
    ));
    // The same ledger imported into another community is that community's own.
    let elsewhere: Vec<ImportItem> = items
        .iter()
        .cloned()
        .map(|mut i| {
            i.draft.community = "dadi".into();
            i
        })
        .collect();
    assert_eq!(
        store
            .import_requests(&f.admin, elsewhere)
            .await
            .unwrap()
            .created,
        2
    );
    let august = RequestFilter {
        community_id: Some(f.community.id),
        from_ms: Some(at("2024-08-01").timestamp_millis()),
        limit: 10,
        ..RequestFilter::for_actor(&f.admin)
    };
    let imported = store.list_requests(&august).await.unwrap().items;
    assert_eq!(imported.len(), 2);
    let light = imported
        .iter()
        .find(|r| r.category == "stairwell_light")
        .unwrap();
    assert_eq!(light.status(), Status::Resolved);
    let kinds: Vec<&str> = store
        .events(light.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["created", "resolved"]);

    // The report's extra figures.
    let scope = StatsScope {
        reach: Reach::of(&f.staff),
        community_id: None,
        from_ms: None,
        to_ms: None,
        now_ms: Utc::now().timestamp_millis(),
    };
    let extras = store.report_extras(&scope).await.unwrap();
    assert_eq!(
        extras.monthly,
        vec![("2024-07".to_string(), 1, 0), ("2024-08".to_string(), 2, 1)]
    );
    assert_eq!(extras.by_grid, vec![("第一网格".to_string(), 3, 1)]);
}
