//! Bodies checked against the document's own schemas, so the server takes exactly what the
//! document says it takes. The domain reads each body too (with its own messages, which
//! come first); the schema adds whatever it refuses that the domain let by (a number sent
//! as text, a value out of the documented range), each under its field's dotted path.

use super::body::Body;
use super::doc::document;
use crate::AppError;
use bangbang_domain::validation::{Code, FieldErrors, Problem};
use jsonschema::error::ValidationErrorKind;
use jsonschema::Validator;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A validator per body schema, compiled once from the document.
fn validator(schema: &str) -> &'static Validator {
    static VALIDATORS: OnceLock<HashMap<String, Validator>> = OnceLock::new();
    let all = VALIDATORS.get_or_init(|| {
        let doc = document();
        let components = doc["components"].clone();
        doc["components"]["schemas"]
            .as_object()
            .expect("the document has schemas")
            .keys()
            .map(|name| {
                // The named schema, with the document's components beside it so its `$ref`s
                // (`#/components/schemas/...`) resolve.
                let root = json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "$ref": format!("#/components/schemas/{name}"),
                    "components": components,
                });
                let validator = jsonschema::validator_for(&root)
                    .unwrap_or_else(|e| panic!("schema {name} does not compile: {e}"));
                (name.clone(), validator)
            })
            .collect()
    });
    all.get(schema)
        .unwrap_or_else(|| panic!("no schema {schema} in the document"))
}

/// The body's problems by the schema `schema`, one per field (the first found).
pub fn schema_problems(body: &Value, schema: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for error in validator(schema).iter_errors(body) {
        let pointer = error.instance_path().to_string();
        let mut field: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let problem = match error.kind() {
            ValidationErrorKind::Required { property } => {
                field.push(property.as_str().unwrap_or_default().to_string());
                Problem::required()
            }
            ValidationErrorKind::Type { .. } => Problem::new(
                Code::NotText,
                format!("is not of the documented type: {error}"),
            ),
            ValidationErrorKind::MaxLength { limit } => Problem::too_long(*limit as usize),
            _ => Problem::from(format!("does not match the document: {error}")),
        };
        let field = if field.is_empty() {
            // The body as a whole (a dispatch with two targets, say) is told under its
            // first documented field.
            first_field(schema).unwrap_or_else(|| "body".into())
        } else {
            field.join(".")
        };
        errors.add(field, problem);
    }
    errors
}

/// The first property a schema names, for problems with the body as a whole.
fn first_field(schema: &str) -> Option<String> {
    let schema = &document()["components"]["schemas"][schema];
    let object = match schema.get("oneOf").and_then(|v| v.get(0)) {
        Some(first) => first,
        None => schema,
    };
    object["properties"].as_object()?.keys().next().cloned()
}

/// `Ok` when the body fits its schema; otherwise the 422 naming every field that does not.
pub fn check(body: &Body, schema: &str) -> Result<(), AppError> {
    let errors = schema_problems(&body.value(), schema);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// The 422 for a body the domain refused, with what the schema says of the fields the
/// domain did not mention.
pub fn refuse(body: &Body, schema: &str, mut errors: FieldErrors) -> AppError {
    errors.merge(schema_problems(&body.value(), schema));
    AppError::Invalid(errors)
}
