//! The OpenAPI 3.1 document, derived from the handlers' annotations and the API's types
//! (`schema.rs`, `view.rs`, and the domain's and store's enums and records). Made once;
//! each serving adds what only the deployment knows: its community slugs and category
//! codes, as the enums those fields take.

use super::schema::*;
use super::view::{Address, Assignee, CommunityName, EventView, Reporter, RequestView};
use super::{actions, meta, requests, stats};
use bangbang_domain::{
    category::Category,
    lifecycle::{ActionKind, CloseReason, Satisfaction, Status},
    request::{Channel, Urgency},
    stats::{
        Counts, Rate, Rates, ON_TIME_DEFINITION, RESOLUTION_DEFINITION, RESPONSE_DEFINITION,
        SATISFACTION_DEFINITION,
    },
    EventKind, Role,
};
use bangbang_store::{CategoryFigures, ChannelFigures, Community, StatsReport};
use serde_json::{json, Value};
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bangbang API",
        version = "1",
        description = include_str!("description.md"),
        license(name = "MIT OR Apache-2.0")
    ),
    servers((url = "/api/v1", description = "The JSON API, relative to the server bangbang runs on (default port 8850).")),
    paths(
        requests::create,
        requests::list,
        requests::show,
        actions::dispatch,
        actions::accept,
        actions::decline,
        actions::start,
        actions::resolve,
        actions::follow_up,
        actions::review,
        actions::reopen,
        actions::close,
        actions::notes,
        stats::stats,
        meta::me,
        meta::communities,
        meta::categories,
        meta::openapi,
        crate::healthz,
    ),
    components(schemas(
        RequestView, CommunityName, Reporter, Address, Assignee, EventView, RequestPage,
        Me, CommunityList, CategoryList, StatsView, PeriodView, Definitions,
        ErrorBody, ErrorDetail, ErrorCode,
        NewRequest, ReporterInput, AddressInput, DispatchBody, PoolFlag, ReasonBody,
        ResolveBody, FollowUpBody, ReviewBody, CloseBody, NoteBody, EmptyBody,
        Status, ActionKind, Channel, Urgency, Satisfaction, CloseReason, EventKind, Role,
        Category, Community, StatsReport, CategoryFigures, ChannelFigures, Counts, Rate, Rates,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "requests", description = "Filing and reading requests (诉求)."),
        (name = "actions", description = "One lifecycle step each: 派单, 接单, 退单, 开始, 办结, 长期跟进, 回访, 重办, 关闭, 备注."),
        (name = "figures", description = "The mid-term figures."),
        (name = "reference", description = "Who is asking, the communities and categories, this document."),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token made with `bangbang token create --user NAME`, sent as \
                         `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as derived, with what annotations cannot say added: where `/healthz` is,
/// the request rules that depend on another field, and the links from a new request to
/// its actions (so a client, or a tester, can follow it through the lifecycle).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
        complete(&mut doc);
        doc
    })
}

fn complete(doc: &mut Value) {
    lifecycle(doc);
    figures(doc);
    always_present(doc);
    // `/healthz` is served at the root, not under `/api/v1`.
    doc["paths"]["/healthz"]["servers"] =
        json!([{ "url": "/", "description": "The server's root." }]);

    let schemas = &mut doc["components"]["schemas"];
    // A close says why; some reasons need more.
    schemas["CloseBody"]["allOf"] = json!([
        { "if": { "properties": { "reason": { "const": "duplicate" } }, "required": ["reason"] },
          "then": { "required": ["duplicate_of"], "properties": { "duplicate_of": { "type": "string" } } } },
        { "if": { "properties": { "reason": { "const": "out_of_remit" } }, "required": ["reason"] },
          "then": { "required": ["note"], "properties": { "note": { "type": "string", "minLength": 1, "pattern": "^[^\\u0000]*[^\\s\\u0085\\ufeff\\u0000][^\\u0000]*$" } } } },
    ]);
    // Who raised it and how to reach them: both needed, except on a grid patrol (the
    // patrolling grid worker is the reporter) and for imports (no phone on the paper).
    schemas["NewRequest"]["allOf"] = json!([
        { "if": { "not": { "properties": { "channel": { "enum": ["grid_patrol"] } }, "required": ["channel"] } },
          "then": { "required": ["reporter"], "properties": { "reporter": { "type": "object", "required": ["name"], "properties": { "name": { "type": "string" } } } } } },
        { "if": { "not": { "properties": { "channel": { "enum": ["grid_patrol", "import"] } }, "required": ["channel"] } },
          "then": { "required": ["reporter"], "properties": { "reporter": { "type": "object", "required": ["phone"], "properties": { "phone": { "type": "string" } } } } } },
        { "if": { "properties": { "address": { "required": ["entrance"] } }, "required": ["address"] },
          "then": { "properties": { "address": { "type": "object", "required": ["building"], "properties": { "building": { "type": "string" } } } } } },
    ]);
    // The pool flag can only be `true`.
    schemas["PoolFlag"] = json!({ "const": true, "description": "`true`: post to the pool." });

    // From a new request to every action on it, by id.
    let links: serde_json::Map<String, Value> = [
        ("Dispatch", "dispatchRequest"),
        ("Accept", "acceptRequest"),
        ("Decline", "declineRequest"),
        ("Start", "startRequest"),
        ("Resolve", "resolveRequest"),
        ("FollowUp", "followUpRequest"),
        ("Review", "reviewRequest"),
        ("Reopen", "reopenRequest"),
        ("Close", "closeRequest"),
        ("AddNote", "addNote"),
        ("GetRequest", "getRequest"),
    ]
    .into_iter()
    .map(|(name, op)| {
        (
            name.to_string(),
            json!({ "operationId": op, "parameters": { "id": "$response.body#/id" } }),
        )
    })
    .collect();
    doc["paths"]["/requests"]["post"]["responses"]["201"]["links"] = Value::Object(links.clone());
    // And from every action's answer to the next ones.
    for path in [
        "dispatch",
        "accept",
        "decline",
        "start",
        "resolve",
        "follow-up",
        "review",
        "reopen",
        "close",
        "notes",
    ] {
        doc["paths"][format!("/requests/{{id}}/{path}")]["post"]["responses"]["200"]["links"] =
            Value::Object(links.clone());
    }
}

/// The lifecycle table, from the domain: on each action, the states it is allowed from
/// (`x-allowed-from`), and the whole table in the actions' tag.
fn lifecycle(doc: &mut Value) {
    let mut table = String::from(
        "One lifecycle step each: 派单, 接单, 退单, 开始, 办结, 长期跟进, 回访, 重办, 关闭, 备注. \
         A step not allowed in the request's state is refused with 409, naming the state and \
         the steps allowed in it.\n\n| action | allowed from |\n|---|---|\n",
    );
    for kind in ActionKind::ALL {
        let from: Vec<&str> = Status::ALL
            .into_iter()
            .filter(|s| kind.allowed_from(*s))
            .map(Status::as_str)
            .collect();
        table.push_str(&format!("| `{}` | {} |\n", kind.as_str(), from.join(", ")));
        doc["paths"][format!("/requests/{{id}}/{}", kind.as_str())]["post"]["x-allowed-from"] =
            json!(from);
    }
    if let Some(tags) = doc["tags"].as_array_mut() {
        for tag in tags.iter_mut().filter(|t| t["name"] == "actions") {
            tag["description"] = json!(table);
        }
    }
    let zh: Vec<&str> = Status::ALL.into_iter().map(Status::zh).collect();
    doc["components"]["schemas"]["Request"]["properties"]["status_zh"]["enum"] = json!(zh);
}

/// The four rates' definitions, from the domain, where the figures are described.
fn figures(doc: &mut Value) {
    let definitions = [
        ("response", RESPONSE_DEFINITION),
        ("resolution", RESOLUTION_DEFINITION),
        ("on_time", ON_TIME_DEFINITION),
        ("satisfaction", SATISFACTION_DEFINITION),
    ];
    let mut description = String::from(
        "Counts over the requests reported in the period (local days, both ends included) and \
         the caller's scope, by their state now, and four rates:\n\n",
    );
    for (name, definition) in definitions {
        description.push_str(&format!("- `{name}`: {definition}\n"));
        doc["components"]["schemas"]["Rates"]["properties"][name] = json!({
            "allOf": [{ "$ref": "#/components/schemas/Rate" }],
            "description": definition,
        });
    }
    doc["paths"]["/stats"]["get"]["description"] = json!(description);
    // A channel's figures name it by the channel's own values.
    doc["components"]["schemas"]["ChannelFigures"]["properties"]["channel"] =
        json!({ "$ref": "#/components/schemas/Channel" });
}

/// Answers always carry every field (null when there is nothing), so every field of an
/// answer's schema is required; only `events` is left out of lists.
fn always_present(doc: &mut Value) {
    for name in [
        "Request",
        "CommunityName",
        "Reporter",
        "Address",
        "Assignee",
        "Event",
        "RequestPage",
        "Me",
        "CommunityList",
        "CategoryList",
        "PeriodView",
        "Definitions",
        "Category",
        "Community",
        "StatsReport",
        "CategoryFigures",
        "ChannelFigures",
        "Rate",
        "Rates",
    ] {
        let schema = &mut doc["components"]["schemas"][name];
        let Some(props) = schema["properties"].as_object() else {
            continue;
        };
        let required: Vec<String> = props.keys().filter(|k| *k != "events").cloned().collect();
        schema["required"] = json!(required);
    }
    let stats = &mut doc["components"]["schemas"]["Stats"]["allOf"][1];
    stats["required"] = json!(["period", "community", "definitions"]);
}

/// The document for this deployment: the derived one, with the community slugs and
/// category codes it knows as the values those fields take. (A list filter takes any
/// well-formed category code: one nobody uses just matches nothing.)
pub fn for_deployment(communities: &[String], categories: &[String]) -> Value {
    let mut doc = document().clone();
    let schemas = &mut doc["components"]["schemas"];
    if !communities.is_empty() {
        schemas["NewRequest"]["properties"]["community"]["enum"] = json!(communities);
    }
    if !categories.is_empty() {
        schemas["NewRequest"]["properties"]["category"]["enum"] = json!(categories);
    }
    for op in [("/requests", "get"), ("/stats", "get")] {
        if let Some(params) = doc["paths"][op.0][op.1]["parameters"].as_array_mut() {
            for p in params {
                match p["name"].as_str() {
                    Some("community") if !communities.is_empty() => {
                        p["schema"]["enum"] = json!(communities)
                    }
                    _ => {}
                }
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_links() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        if let Ok(path) = std::env::var("BANGBANG_WRITE_OPENAPI") {
            std::fs::write(path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
        }
        let links = &doc["paths"]["/requests"]["post"]["responses"]["201"]["links"];
        assert_eq!(links["Accept"]["operationId"], "acceptRequest");
        // Every link names an operation that exists.
        let ops: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|p| p.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        for link in links.as_object().unwrap().values() {
            assert!(
                ops.contains(&link["operationId"].as_str().unwrap()),
                "{link}"
            );
        }
    }

    #[test]
    fn a_deployment_lists_its_communities_and_categories() {
        let doc = for_deployment(&["liuxiali".into()], &["other".into()]);
        let new = &doc["components"]["schemas"]["NewRequest"]["properties"];
        assert_eq!(new["community"]["enum"], json!(["liuxiali"]));
        assert_eq!(new["category"]["enum"], json!(["other"]));
    }
}
