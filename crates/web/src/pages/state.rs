//! A form being filled in: the values sent back and the errors per field.

use bangbang_domain::validation::FieldErrors;

#[derive(Debug, Default, Clone)]
pub struct FormState {
    values: Vec<(String, String)>,
    pub errors: FieldErrors,
}

impl FormState {
    pub fn new(values: Vec<(String, String)>, errors: FieldErrors) -> FormState {
        FormState { values, errors }
    }

    /// The same form with its error messages in the page's language.
    pub fn localized(mut self, lang: super::i18n::Lang) -> FormState {
        let mut errors = FieldErrors::new();
        for (field, problem) in self.errors.problems() {
            errors.add(field, super::i18n::field_message(lang, problem));
        }
        self.errors = errors;
        self
    }

    pub fn with(mut self, name: &str, value: &str) -> FormState {
        self.values.push((name.into(), value.into()));
        self
    }

    /// The value sent for a field, or "".
    pub fn v(&self, name: &str) -> &str {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn is(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }

    /// The error for a field, or "".
    pub fn err(&self, name: &str) -> &str {
        self.errors.get(name).unwrap_or("")
    }

    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }
}
