//! Plans of `trace.update` and `span.update`: one `PATCH` per element, always naming the
//! project (the caller's `project_name`, or the project id read from the trace or span, so the
//! patch never falls back to Opik's default project). `tags_to_add` / `tags_to_remove` go out
//! as Opik's own `TraceUpdate` / `SpanUpdate` fields, which Opik applies atomically: the
//! current tags are never read, so a concurrent writer's tag change is never overwritten.

use serde_json::{Value, json};

use super::{
    bodies::{Plan, PlanOp, compact, given, instant, req, uuid_field},
    lookup::{Known, Lookup, Need},
    ops::{SpanUpdate, TraceUpdate},
    registry::Operation,
};

/// Most tags per list of one patch (`maxItems` in the spec), and most characters per tag.
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

    /// Every list within Opik's limits, and no contradictions. The count after Opik applies
    /// the change is Opik's to check: knowing it would take a read of the current tags.
    fn check(&self, i: usize) -> Result<(), String> {
        if self.replace.is_some() && !(self.add.is_empty() && self.remove.is_empty()) {
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
            let count = unique(list).len();
            if count > MAX_TAGS {
                return Err(format!(
                    "data[{i}].{field}: {count} tags; Opik takes at most {MAX_TAGS}"
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

    /// Sets the patch's `tags` (replace; an empty list clears them), `tags_to_add` and
    /// `tags_to_remove` (when not empty), each without duplicates (the spec's `uniqueItems`).
    fn write_into(&self, body: &mut Value) {
        if let Some(r) = self.replace {
            body["tags"] = json!(unique(r));
        }
        for (field, list) in [("tags_to_add", self.add), ("tags_to_remove", self.remove)] {
            if !list.is_empty() {
                body[field] = json!(unique(list));
            }
        }
    }
}

/// `list` without repeats, first occurrences in order.
fn unique(list: &[String]) -> Vec<&String> {
    let mut out: Vec<&String> = Vec::with_capacity(list.len());
    for t in list {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
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
            if given(&t.project_name).is_none() {
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
            let mut body = json!({"project_name": project_name, "project_id": project_id,
                "name": t.name, "end_time": instant(i, "end_time", t.end_time.as_deref())?,
                "input": t.input, "output": t.output, "metadata": t.metadata,
                "thread_id": t.thread_id});
            TagChange::new(&t.tags, &t.tags_to_add, &t.tags_to_remove).write_into(&mut body);
            plan.push(
                req("PATCH", format!("/v1/private/traces/{id}"), compact(body)),
                id,
            );
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
            if given(&s.project_name).is_none() || s.trace_id.is_none() {
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
            let mut body = json!({"trace_id": trace_id, "project_name": project_name,
                "project_id": project_id, "parent_span_id": parent.transpose()?,
                "name": s.name, "type": s.span_type,
                "end_time": instant(i, "end_time", s.end_time.as_deref())?,
                "input": s.input, "output": s.output, "metadata": s.metadata,
                "model": s.model, "provider": s.provider, "usage": s.usage});
            TagChange::new(&s.tags, &s.tags_to_add, &s.tags_to_remove).write_into(&mut body);
            plan.push(
                req("PATCH", format!("/v1/private/spans/{id}"), compact(body)),
                id,
            );
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

    fn body_of(change: &TagChange<'_>) -> Value {
        let mut body = json!({"name": "n"});
        change.write_into(&mut body);
        body
    }

    #[test]
    fn tag_changes_go_out_as_the_native_fields_without_duplicates() {
        let (add, remove) = (
            strings(&["reviewed", "prod", "reviewed"]),
            strings(&["flaky"]),
        );
        let change = TagChange::new(&None, &add, &remove);
        assert_eq!(change.check(0), Ok(()));
        assert_eq!(
            body_of(&change),
            json!({"name": "n", "tags_to_add": ["reviewed", "prod"], "tags_to_remove": ["flaky"]})
        );
        // No change, or empty lists: no tag field at all.
        let empty = Some(Vec::new());
        assert_eq!(
            body_of(&TagChange::new(&None, &None, &None)),
            json!({"name": "n"})
        );
        assert_eq!(
            body_of(&TagChange::new(&None, &empty, &empty)),
            json!({"name": "n"})
        );
        // `tags` replaces them all, an empty list clears them; with a merge list it is refused.
        let replace = strings(&["only", "only"]);
        let cleared = TagChange::new(&empty, &None, &None);
        assert_eq!(body_of(&cleared), json!({"name": "n", "tags": []}));
        let replaced = TagChange::new(&replace, &None, &None);
        assert_eq!(body_of(&replaced), json!({"name": "n", "tags": ["only"]}));
        let err = TagChange::new(&replace, &add, &None)
            .check(2)
            .expect_err("both");
        assert!(err.starts_with("data[2].tags: give either"), "{err}");
    }

    #[test]
    fn a_list_over_the_limit_counts_distinct_tags() {
        let fifty: Vec<String> = (0..50).map(|i| format!("t{i}")).collect();
        let mut repeated = fifty.clone();
        repeated.push("t0".into());
        let repeated = Some(repeated);
        assert_eq!(TagChange::new(&None, &repeated, &None).check(0), Ok(()));
        let mut over = fifty;
        over.push("t50".into());
        let over = Some(over);
        let err = TagChange::new(&None, &None, &over)
            .check(1)
            .expect_err("51");
        assert_eq!(
            err,
            "data[1].tags_to_remove: 51 tags; Opik takes at most 50"
        );
    }
}
