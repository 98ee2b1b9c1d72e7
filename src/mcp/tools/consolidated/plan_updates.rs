//! Plans of `trace.update` and `span.update`: one `PATCH` per element, always naming the
//! project (the caller's `project_name`, or the project id read from the trace or span, so the
//! patch never falls back to Opik's default project), with `tags_to_add` / `tags_to_remove`
//! merged into the current tags.

use serde_json::{Value, json};

use super::{
    bodies::{Plan, PlanOp, compact, given, instant, req, uuid_field},
    lookup::{Known, Lookup, Need},
    ops::{SpanUpdate, TraceUpdate},
    registry::Operation,
};

/// Most tags Opik keeps on one trace or span, and most characters per tag.
const MAX_TAGS: usize = 50;
const MAX_TAG_CHARS: usize = 100;

/// The tag fields of one update.
struct TagChange<'a> {
    replace: Option<&'a [String]>,
    add: &'a [String],
    remove: &'a [String],
}

impl<'a> TagChange<'a> {
    fn new(
        replace: &'a Option<Vec<String>>,
        add: &'a Option<Vec<String>>,
        remove: &'a Option<Vec<String>>,
    ) -> Self {
        Self {
            replace: replace.as_deref(),
            add: add.as_deref().unwrap_or_default(),
            remove: remove.as_deref().unwrap_or_default(),
        }
    }

    fn merges(&self) -> bool {
        !self.add.is_empty() || !self.remove.is_empty()
    }

    /// Every list within Opik's limits, and no contradictions.
    fn check(&self, i: usize) -> Result<(), String> {
        if self.replace.is_some() && self.merges() {
            return Err(format!(
                "data[{i}].tags: give either tags (replaces them all) or tags_to_add / \
                 tags_to_remove (keeps the others), not both"
            ));
        }
        let lists = [
            ("tags", self.replace.unwrap_or_default()),
            ("tags_to_add", self.add),
            ("tags_to_remove", self.remove),
        ];
        for (field, list) in lists {
            if list.len() > MAX_TAGS {
                return Err(format!(
                    "data[{i}].{field}: {} tags; Opik keeps at most {MAX_TAGS}",
                    list.len()
                ));
            }
            if let Some(j) = list.iter().position(|t| t.chars().count() > MAX_TAG_CHARS) {
                return Err(format!(
                    "data[{i}].{field}[{j}]: a tag has at most {MAX_TAG_CHARS} characters"
                ));
            }
        }
        if let Some(j) = self.remove.iter().position(|t| self.add.contains(t)) {
            return Err(format!(
                "data[{i}].tags_to_remove[{j}]: {:?} is also in tags_to_add",
                self.remove[j]
            ));
        }
        Ok(())
    }

    /// The tags to send: `replace`, or `current` plus `add` minus `remove` (order kept), or
    /// none when the tags do not change.
    fn apply(&self, i: usize, current: Option<&Value>) -> Result<Option<Vec<String>>, String> {
        if let Some(r) = self.replace {
            return Ok(Some(r.to_vec()));
        }
        if !self.merges() {
            return Ok(None);
        }
        let mut tags: Vec<String> = current
            .and_then(|e| e["tags"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(String::from))
            .collect();
        for t in self.add {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        tags.retain(|t| !self.remove.contains(t));
        if tags.len() > MAX_TAGS {
            return Err(format!(
                "data[{i}].tags_to_add: with these the entity would have {} tags; Opik keeps \
                 at most {MAX_TAGS}",
                tags.len()
            ));
        }
        Ok(Some(tags))
    }
}

/// The project of a patch: the caller's name, else the id read from the entity (never none:
/// Opik would patch in its default project).
fn project(
    i: usize,
    name: Option<&str>,
    entity: Option<&Value>,
) -> Result<(Option<String>, Option<String>), String> {
    if let Some(n) = name {
        return Ok((Some(n.to_string()), None));
    }
    entity
        .and_then(|e| e["project_id"].as_str())
        .map(|p| (None, Some(p.to_string())))
        .ok_or_else(|| format!("data[{i}].project_name: Opik did not say the project; pass it"))
}

const LOOKUP_HINT: &str = "; check the id (list or search shows valid ones)";

impl PlanOp for TraceUpdate {
    fn needs(items: &[Self]) -> Result<Vec<Need>, String> {
        let mut needs = Vec::new();
        for (i, t) in items.iter().enumerate() {
            let id = uuid_field(i, "id", &t.id)?;
            instant(i, "end_time", t.end_time.as_deref())?;
            let tags = TagChange::new(&t.tags, &t.tags_to_add, &t.tags_to_remove);
            tags.check(i)?;
            if given(&t.project_name).is_none() || tags.merges() {
                needs.push(Need {
                    at: format!("data[{i}].id"),
                    lookup: Lookup::Trace(id),
                    hint: LOOKUP_HINT,
                });
            }
        }
        Ok(needs)
    }

    fn plan(_: Operation, items: &[Self], known: &Known) -> Result<Plan, String> {
        let mut plan = Plan::default();
        for (i, t) in items.iter().enumerate() {
            let id = uuid_field(i, "id", &t.id)?;
            let trace = known.trace(&id);
            let (project_name, project_id) = project(i, given(&t.project_name), trace)?;
            let tags = TagChange::new(&t.tags, &t.tags_to_add, &t.tags_to_remove);
            let body = compact(
                json!({"project_name": project_name, "project_id": project_id,
                "name": t.name, "end_time": instant(i, "end_time", t.end_time.as_deref())?,
                "input": t.input, "output": t.output, "metadata": t.metadata,
                "tags": tags.apply(i, trace)?, "thread_id": t.thread_id}),
            );
            plan.push(req("PATCH", format!("/v1/private/traces/{id}"), body), id);
        }
        Ok(plan)
    }
}

impl PlanOp for SpanUpdate {
    fn needs(items: &[Self]) -> Result<Vec<Need>, String> {
        let mut needs = Vec::new();
        for (i, s) in items.iter().enumerate() {
            let id = uuid_field(i, "id", &s.id)?;
            for (field, v) in [
                ("trace_id", &s.trace_id),
                ("parent_span_id", &s.parent_span_id),
            ] {
                if let Some(v) = v {
                    uuid_field(i, field, v)?;
                }
            }
            instant(i, "end_time", s.end_time.as_deref())?;
            let tags = TagChange::new(&s.tags, &s.tags_to_add, &s.tags_to_remove);
            tags.check(i)?;
            if given(&s.project_name).is_none() || s.trace_id.is_none() || tags.merges() {
                needs.push(Need {
                    at: format!("data[{i}].id"),
                    lookup: Lookup::Span(id),
                    hint: LOOKUP_HINT,
                });
            }
        }
        Ok(needs)
    }

    fn plan(_: Operation, items: &[Self], known: &Known) -> Result<Plan, String> {
        let mut plan = Plan::default();
        for (i, s) in items.iter().enumerate() {
            let id = uuid_field(i, "id", &s.id)?;
            let span = known.span(&id);
            let trace_id = match (&s.trace_id, span) {
                (Some(t), _) => uuid_field(i, "trace_id", t)?,
                (None, Some(sp)) => sp["trace_id"].as_str().unwrap_or_default().to_string(),
                (None, None) => return Err(format!("data[{i}].trace_id: expected a UUID")),
            };
            let (project_name, project_id) = project(i, given(&s.project_name), span)?;
            let parent = s
                .parent_span_id
                .as_deref()
                .map(|p| uuid_field(i, "parent_span_id", p));
            let tags = TagChange::new(&s.tags, &s.tags_to_add, &s.tags_to_remove);
            let body = compact(json!({"trace_id": trace_id, "project_name": project_name,
                "project_id": project_id, "parent_span_id": parent.transpose()?,
                "name": s.name, "type": s.span_type,
                "end_time": instant(i, "end_time", s.end_time.as_deref())?,
                "input": s.input, "output": s.output, "metadata": s.metadata,
                "model": s.model, "provider": s.provider, "usage": s.usage,
                "tags": tags.apply(i, span)?}));
            plan.push(req("PATCH", format!("/v1/private/spans/{id}"), body), id);
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn tag_changes_keep_the_other_tags_in_order_without_duplicates() {
        let current = json!({"tags": ["prod", "v1", "flaky"]});
        let (add, remove) = (strings(&["reviewed", "prod"]), strings(&["flaky"]));
        let change = TagChange::new(&None, &add, &remove);
        assert_eq!(change.check(0), Ok(()));
        assert_eq!(
            change.apply(0, Some(&current)),
            Ok(strings(&["prod", "v1", "reviewed"]))
        );
        // No current tags (an entity never tagged) and no change at all.
        assert_eq!(change.apply(0, None), Ok(strings(&["reviewed", "prod"])));
        assert_eq!(
            TagChange::new(&None, &None, &None).apply(0, Some(&current)),
            Ok(None)
        );
        // `tags` replaces them all; with a merge list it is refused.
        let replace = strings(&["only"]);
        assert_eq!(
            TagChange::new(&replace, &None, &None).apply(0, Some(&current)),
            Ok(strings(&["only"]))
        );
        let err = TagChange::new(&replace, &add, &None)
            .check(2)
            .expect_err("both");
        assert!(err.starts_with("data[2].tags: give either"), "{err}");
    }
}
