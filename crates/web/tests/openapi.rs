//! Keeps `src/api/openapi.json` honest: every route the API serves is documented (and
//! nothing else is), the enums match the domain's, and the documented shapes match the
//! types that are serialised.
//!
//! The routes are read from the source text of `src/api/` (every `.route("...", ...)`
//! call), so adding a route without documenting it fails here.

use bangbang_domain::{
    access::Role,
    category::Category,
    lifecycle::{Action, ActionKind, CloseReason, DispatchTarget, Satisfaction, Status},
    request::{Channel, Urgency},
    stats::{
        Counts, ON_TIME_DEFINITION, RESOLUTION_DEFINITION, RESPONSE_DEFINITION,
        SATISFACTION_DEFINITION,
    },
};
use bangbang_store::{CategoryFigures, ChannelFigures, Community, StatsReport};
use chrono::Utc;
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The document as the server derives it from its types.
fn doc() -> Value {
    bangbang_web::api::doc::document().clone()
}

fn src(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Source text with whole-line `//` comments removed, so doc comments that mention
/// routes do not count as routes.
fn code_of(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The string literal starting at `text[at..]` (after optional whitespace), and the index
/// just past it.
fn literal_at(text: &str, at: usize) -> Option<(String, usize)> {
    let rest = &text[at..];
    let skipped = rest.len() - rest.trim_start().len();
    let rest = rest.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    Some((rest[..end].to_string(), at + skipped + 1 + end + 1))
}

/// The index of the `)` closing the call whose arguments start at `text[from..]`.
fn call_end(text: &str, from: usize) -> usize {
    let mut depth = 1;
    let mut in_str = false;
    let mut prev = ' ';
    for (i, c) in text[from..].char_indices() {
        match c {
            '"' if prev != '\\' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    return from + i;
                }
            }
            _ => {}
        }
        prev = c;
    }
    panic!("unbalanced parentheses after byte {from}");
}

/// Method-router calls (`get(`, `.post(`...) in a route's arguments.
fn methods_in(args: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for method in METHODS.iter().chain(["any"].iter()) {
        let pattern = format!("{method}(");
        for (i, _) in args.match_indices(&pattern) {
            let before = args[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            found.insert(method.to_string());
        }
    }
    found
}

/// Every `(path, method)` the API router serves under `/api/v1`, read from the source, with
/// `{action}` expanded into the concrete action names.
fn served() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    rust_files(&src("src/api"), &mut files);
    assert!(!files.is_empty(), "no sources under src/api");
    let mut routes = BTreeSet::new();
    for file in files {
        // The rendered reference page and its script are pages, not API operations.
        if file.ends_with("src/api/docs.rs") {
            continue;
        }
        let code = code_of(&file);
        for unsupported in [".nest(", ".nest_service(", ".route_service("] {
            assert!(
                !code.contains(unsupported),
                "{} uses {unsupported}: teach tests/openapi.rs to read it, and document the routes",
                file.display()
            );
        }
        for (at, _) in code.match_indices(".route(") {
            let args_start = at + ".route(".len();
            let (path, after) = literal_at(&code, args_start).unwrap_or_else(|| {
                panic!(
                    "{}: a .route( whose path is not a string literal",
                    file.display()
                )
            });
            let end = call_end(&code, args_start);
            let methods = methods_in(&code[after..end]);
            assert!(
                !methods.is_empty(),
                "{}: no method for route {path}",
                file.display()
            );
            assert!(
                !methods.contains("any"),
                "{}: route {path} uses any(): document each method it answers",
                file.display()
            );
            let paths: Vec<String> = if path.contains("{action}") {
                ActionKind::ALL
                    .iter()
                    .map(|a| path.replace("{action}", a.as_str()))
                    .collect()
            } else {
                vec![path]
            };
            for p in paths {
                for m in &methods {
                    routes.insert((p.clone(), m.clone()));
                }
            }
        }
    }
    routes
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for key in item.as_object().expect("a path item is an object").keys() {
            if METHODS.contains(&key.as_str()) {
                ops.insert((path.clone(), key.clone()));
            } else {
                assert!(
                    ["servers", "parameters", "summary", "description"].contains(&key.as_str()),
                    "unexpected key {key} in path {path}"
                );
            }
        }
    }
    ops
}

/// Follows `$ref`s (and a lone `allOf`, and the non-null branch of a nullable `oneOf`) to
/// the schema they name.
fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..10 {
        if let Some([a, b]) = schema
            .get("oneOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            schema = if b["type"] == "null" { a } else { b };
            continue;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            schema = doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling $ref {r}"));
        } else if let Some([one]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            if schema.get("properties").is_none() && schema.get("enum").is_none() {
                schema = one;
            } else {
                return schema;
            }
        } else {
            return schema;
        }
    }
    panic!("$ref chain too long");
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

fn enum_of(doc: &Value, schema: &Value) -> Vec<String> {
    let schema = resolve(doc, schema);
    strings(
        schema
            .get("enum")
            .unwrap_or_else(|| panic!("no enum in {schema}")),
    )
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("expected an object, got {v}"))
        .keys()
        .cloned()
        .collect()
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc.pointer(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("no schema {name}"))
}

fn props(doc: &Value, name: &str) -> BTreeSet<String> {
    keys(&schema(doc, name)["properties"])
}

/// The properties of a schema and of everything it is `allOf`.
fn all_props(doc: &Value, schema: &Value) -> BTreeSet<String> {
    let schema = resolve(doc, schema);
    let mut out: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        out.extend(all_props(doc, part));
    }
    out
}

fn to_keys<T: serde::Serialize>(value: &T) -> BTreeSet<String> {
    keys(&serde_json::to_value(value).unwrap())
}

#[test]
fn it_is_openapi_3_1() {
    let doc = doc();
    let version = doc["openapi"].as_str().expect("openapi is a string");
    assert!(version.starts_with("3.1."), "openapi is {version}");
    assert_eq!(doc["info"]["title"], "bangbang API");
    assert!(doc["info"]["version"].is_string());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
}

#[test]
fn every_served_route_is_documented_and_nothing_else() {
    let doc = doc();
    let served = served();
    assert!(served.len() >= 17, "found only {served:?}");
    assert!(served.contains(&("/requests/{id}/follow-up".into(), "post".into())));
    let documented = documented(&doc);
    let missing: Vec<_> = served.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "served but not in openapi.json: {missing:?}"
    );
    let extra: Vec<_> = documented
        .iter()
        .filter(|(p, _)| p != "/healthz")
        .filter(|op| !served.contains(*op))
        .collect();
    assert!(
        extra.is_empty(),
        "in openapi.json but not served: {extra:?}"
    );
}

#[test]
fn healthz_is_at_the_root_and_the_api_under_its_prefix() {
    let doc = doc();
    let lib = code_of(&src("src/lib.rs"));
    assert!(
        lib.contains(".route(\"/healthz\""),
        "lib.rs no longer serves /healthz"
    );
    assert!(doc["paths"]["/healthz"]["get"].is_object());
    assert_eq!(doc["paths"]["/healthz"]["servers"][0]["url"], "/");
    let at = lib.find(".nest(").expect("lib.rs nests the API");
    let (prefix, _) = literal_at(&lib, at + ".nest(".len()).expect("a literal prefix");
    assert!(lib[at..].starts_with(&format!(".nest(\"{prefix}\", api::router())")));
    assert_eq!(doc["servers"][0]["url"], prefix.as_str());
}

#[test]
fn path_parameters_are_declared() {
    let doc = doc();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let wanted: BTreeSet<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .map(String::from)
            .collect();
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let declared: BTreeSet<String> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| resolve(&doc, p))
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(declared, wanted, "{method} {path}");
        }
    }
}

#[test]
fn every_ref_resolves() {
    fn walk(doc: &Value, v: &Value, count: &mut usize) {
        match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    assert!(r.starts_with("#/"), "external $ref {r}");
                    assert!(doc.pointer(&r[1..]).is_some(), "dangling $ref {r}");
                    *count += 1;
                }
                map.values().for_each(|x| walk(doc, x, count));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(doc, x, count)),
            _ => {}
        }
    }
    let doc = doc();
    let mut count = 0;
    walk(&doc, &doc, &mut count);
    assert!(count > 50);
}

#[test]
fn enums_match_the_domain() {
    let doc = doc();
    let status: Vec<String> = Status::ALL.iter().map(|s| s.as_str().into()).collect();
    let channel: Vec<String> = Channel::ALL.iter().map(|c| c.as_str().into()).collect();
    let urgency: Vec<String> = Urgency::ALL.iter().map(|u| u.as_str().into()).collect();
    let actions: Vec<String> = ActionKind::ALL.iter().map(|a| a.as_str().into()).collect();
    // The accounts' roles, and the resident of the public pages (the domain's one enum).
    let mut roles: Vec<String> = Role::ALL.iter().map(|r| r.as_str().into()).collect();
    roles.push(Role::Resident.as_str().into());
    let status_zh: Vec<String> = Status::ALL.iter().map(|s| s.zh().into()).collect();
    assert_eq!(enum_of(&doc, schema(&doc, "Status")), status);
    assert_eq!(
        enum_of(&doc, &schema(&doc, "Request")["properties"]["status_zh"]),
        status_zh
    );
    assert_eq!(enum_of(&doc, schema(&doc, "Channel")), channel);
    assert_eq!(enum_of(&doc, schema(&doc, "Urgency")), urgency);
    assert_eq!(enum_of(&doc, schema(&doc, "ActionKind")), actions);
    assert_eq!(enum_of(&doc, schema(&doc, "Role")), roles);
    let satisfaction = [
        Satisfaction::Satisfied,
        Satisfaction::Basic,
        Satisfaction::Unsatisfied,
    ]
    .map(|s| s.as_str().to_string());
    assert_eq!(enum_of(&doc, schema(&doc, "Satisfaction")), satisfaction);
    let close = [
        CloseReason::Duplicate,
        CloseReason::Withdrawn,
        CloseReason::OutOfRemit,
    ]
    .map(|c| c.as_str().to_string());
    assert_eq!(enum_of(&doc, schema(&doc, "CloseReason")), close);

    // Wherever a property or parameter of these names appears, it carries the domain's list.
    fn walk(v: &Value, check: &mut dyn FnMut(&str, &Value)) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    for (name, s) in props {
                        check(name, s);
                    }
                }
                if let (Some(Value::String(name)), Some(s)) = (map.get("name"), map.get("schema")) {
                    if map.contains_key("in") {
                        check(name, s);
                    }
                }
                // Conditions (`if`) name a few values on purpose; they are not lists.
                map.iter()
                    .filter(|(k, _)| *k != "if")
                    .for_each(|(_, x)| walk(x, check));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, check)),
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    walk(&doc, &mut |name, s| {
        let expected = match name {
            "status" | "state" => &status,
            "channel" => &channel,
            "urgency" => &urgency,
            "allowed_actions" | "allowed" => {
                assert_eq!(enum_of(&doc, &s["items"]), actions, "{name}");
                seen.insert(name.to_string());
                return;
            }
            _ => return,
        };
        assert_eq!(&enum_of(&doc, s), expected, "enum of {name}");
        seen.insert(name.to_string());
    });
    for name in [
        "status",
        "state",
        "channel",
        "urgency",
        "allowed_actions",
        "allowed",
    ] {
        assert!(seen.contains(name), "no {name} checked");
    }
}

#[test]
fn action_paths_follow_the_lifecycle_table() {
    let doc = doc();
    for kind in ActionKind::ALL {
        let path = format!("/requests/{{id}}/{}", kind.as_str());
        let op = &doc["paths"][&path]["post"];
        assert!(op.is_object(), "{path} is not documented");
        let from: Vec<String> = Status::ALL
            .into_iter()
            .filter(|s| kind.allowed_from(*s))
            .map(|s| s.as_str().to_string())
            .collect();
        assert_eq!(
            strings(&op["x-allowed-from"]),
            from,
            "x-allowed-from of {path}"
        );
        assert!(op["requestBody"]["content"]["application/json"]["schema"].is_object());
        for code in ["200", "401", "404", "409"] {
            assert!(op["responses"][code].is_object(), "{path} lacks {code}");
        }
    }
    let table = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "actions")
        .expect("an actions tag")["description"]
        .as_str()
        .unwrap();
    for kind in ActionKind::ALL {
        assert!(table.contains(&format!("| `{}` |", kind.as_str())));
    }
}

#[test]
fn event_kinds_match_the_domain() {
    let doc = doc();
    let samples = [
        Action::Dispatch {
            target: DispatchTarget::Pool,
        },
        Action::Dispatch {
            target: DispatchTarget::Partner { name: "x".into() },
        },
        Action::Accept,
        Action::Decline { reason: "x".into() },
        Action::Start,
        Action::Resolve {
            outcome: "x".into(),
            minutes: 1,
        },
        Action::FollowUp {
            note: "x".into(),
            next_at: Utc::now(),
        },
        Action::Review {
            satisfaction: Satisfaction::Basic,
            note: String::new(),
        },
        Action::Reopen { reason: "x".into() },
        Action::Close {
            reason: CloseReason::Withdrawn,
            duplicate_of: None,
            note: String::new(),
        },
        Action::Note { text: "x".into() },
    ];
    let covered: HashSet<ActionKind> = samples.iter().map(Action::kind).collect();
    assert_eq!(covered.len(), ActionKind::ALL.len(), "a sample per action");
    let mut kinds: BTreeSet<String> = samples
        .iter()
        .map(|a| a.event_kind().as_str().into())
        .collect();
    kinds.insert("created".into());
    // Hours given to an activity: an event of the volunteer's community, on no request.
    kinds.insert(bangbang_domain::EventKind::HoursRecorded.as_str().into());
    let documented: BTreeSet<String> = enum_of(&doc, &schema(&doc, "Event")["properties"]["kind"])
        .into_iter()
        .collect();
    assert_eq!(documented, kinds);
}

#[test]
fn shapes_match_what_is_serialised() {
    let doc = doc();

    // RequestView: its fields, read from the struct in view.rs.
    let view = code_of(&src("src/api/view.rs"));
    let body = view
        .split("pub struct RequestView {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("struct RequestView in view.rs");
    let fields: BTreeSet<String> = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub ")?.split(':').next())
        .map(|f| f.trim().to_string())
        .collect();
    assert_eq!(props(&doc, "Request"), fields, "Request vs RequestView");
    let mut required: BTreeSet<String> = strings(&schema(&doc, "Request")["required"])
        .into_iter()
        .collect();
    required.insert("events".into());
    assert_eq!(required, fields, "every field but events is always there");

    // Stats: the store's report plus what stats.rs adds.
    let counts = Counts::default();
    let report = StatsReport {
        counts,
        rates: counts.rates(),
        by_category: vec![],
        by_channel: vec![],
    };
    let mut stats = to_keys(&report);
    for added in ["period", "community", "definitions"] {
        stats.insert(added.into());
    }
    assert_eq!(all_props(&doc, schema(&doc, "Stats")), stats);
    let rates = serde_json::to_value(counts.rates()).unwrap();
    assert_eq!(props(&doc, "Rates"), keys(&rates));
    assert_eq!(props(&doc, "Rate"), keys(&rates["response"]));
    let category = CategoryFigures {
        category: String::new(),
        name_zh: String::new(),
        requests: 0,
        resolved: 0,
        entrances: 0,
        resolved_entrances: 0,
    };
    assert_eq!(props(&doc, "CategoryFigures"), to_keys(&category));
    let channel = ChannelFigures {
        channel: String::new(),
        requests: 0,
        resolved: 0,
    };
    assert_eq!(props(&doc, "ChannelFigures"), to_keys(&channel));

    // Reference data.
    let community = Community {
        id: bangbang_domain::PlaceId::new(1),
        slug: String::new(),
        name: String::new(),
        code_prefix: String::new(),
        subdistrict_id: bangbang_domain::PlaceId::new(2),
        subdistrict_name: String::new(),
        district_id: bangbang_domain::PlaceId::new(3),
        district_name: String::new(),
    };
    assert_eq!(props(&doc, "Community"), to_keys(&community));
    let cat = Category {
        code: bangbang_domain::category::CategoryCode::other(),
        name_zh: String::new(),
        name_en: String::new(),
        counts_entrances: false,
    };
    assert_eq!(props(&doc, "Category"), to_keys(&cat));
}

#[test]
fn the_rates_carry_the_domains_definitions() {
    let doc = doc();
    let description = doc["paths"]["/stats"]["get"]["description"]
        .as_str()
        .unwrap();
    let rates = &schema(&doc, "Rates")["properties"];
    for (name, definition) in [
        ("response", RESPONSE_DEFINITION),
        ("resolution", RESOLUTION_DEFINITION),
        ("on_time", ON_TIME_DEFINITION),
        ("satisfaction", SATISFACTION_DEFINITION),
    ] {
        assert!(description.contains(definition), "{name} in /stats");
        assert_eq!(rates[name]["description"], definition, "{name} in Stats");
    }
}

#[test]
fn errors_are_documented() {
    let doc = doc();
    // Every error answer is the one ErrorBody; every operation that needs a token says
    // what happens without one, and every one that reads input says what a bad one gets.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let responses = op["responses"].as_object().unwrap();
            for (code, response) in responses {
                if code.starts_with('4') || code.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {code}"
                    );
                }
            }
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearerAuth").is_some()));
            if secured {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
            let reads = op.get("requestBody").is_some()
                || op["parameters"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|p| p["in"] == "query"));
            if reads {
                assert!(responses.contains_key("422"), "{method} {path} lacks 422");
            }
        }
    }
    let codes = enum_of(&doc, schema(&doc, "ErrorCode"));
    for code in ["validation", "not_allowed", "not_found", "unauthorized"] {
        assert!(codes.iter().any(|c| c == code), "{code}");
    }
}
