//! Partial responses: Drive sends only what the `fields` system parameter selects, and refuses
//! a selector it cannot read with 400. A stand-in that answered every field whatever was asked
//! would hide a client that reads a field it never selected; this one answers as Drive does.
//!
//! The syntax: a comma-separated list; `a/b` selects `b` inside `a`; `a(b,c)` selects several
//! fields inside `a`; `*` selects every field at its level. Inside an array the selection applies
//! to each element (`files(id,name)`).

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a selector keeps: each selected key, with what is kept inside it (`None`: all of it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection(BTreeMap<String, Option<Selection>>);

/// The answers a selection is checked against, by the field names Drive knows in them.
#[derive(Debug, Clone, Copy)]
pub enum Resource {
    /// A `files.list` answer.
    FileList,
    /// A `files.get` answer, or one element of a list's `files`.
    File,
    /// A file's `shortcutDetails`.
    ShortcutDetails,
    /// A file's `capabilities`.
    Capabilities,
}

const FILE_LIST_FIELDS: &[&str] = &["kind", "nextPageToken", "incompleteSearch", "files"];

/// The File resource's fields in Drive v3 (developers.google.com/drive/api/reference/rest/v3/files).
const FILE_FIELDS: &[&str] = &[
    "kind",
    "id",
    "name",
    "mimeType",
    "description",
    "starred",
    "trashed",
    "explicitlyTrashed",
    "trashingUser",
    "trashedTime",
    "parents",
    "properties",
    "appProperties",
    "spaces",
    "teamDriveId",
    "version",
    "webContentLink",
    "webViewLink",
    "iconLink",
    "hasThumbnail",
    "thumbnailLink",
    "thumbnailVersion",
    "viewedByMe",
    "viewedByMeTime",
    "createdTime",
    "modifiedTime",
    "modifiedByMeTime",
    "modifiedByMe",
    "sharedWithMeTime",
    "sharingUser",
    "owners",
    "driveId",
    "lastModifyingUser",
    "shared",
    "ownedByMe",
    "capabilities",
    "viewersCanCopyContent",
    "copyRequiresWriterPermission",
    "writersCanShare",
    "permissions",
    "permissionIds",
    "hasAugmentedPermissions",
    "folderColorRgb",
    "originalFilename",
    "fullFileExtension",
    "fileExtension",
    "md5Checksum",
    "sha1Checksum",
    "sha256Checksum",
    "size",
    "quotaBytesUsed",
    "headRevisionId",
    "contentHints",
    "imageMediaMetadata",
    "videoMediaMetadata",
    "isAppAuthorized",
    "exportLinks",
    "shortcutDetails",
    "contentRestrictions",
    "resourceKey",
    "linkShareMetadata",
    "labelInfo",
    "inheritedPermissionsDisabled",
    "downloadRestrictions",
    "clientEncryptionDetails",
];

const SHORTCUT_DETAILS_FIELDS: &[&str] = &["targetId", "targetMimeType", "targetResourceKey"];

/// A File's `capabilities`, each a boolean telling what the caller may do with it.
const CAPABILITIES_FIELDS: &[&str] = &[
    "canAcceptOwnership",
    "canAccessViaGenAi",
    "canAddChildren",
    "canAddFolderFromAnotherDrive",
    "canAddMyDriveParent",
    "canChangeCopyRequiresWriterPermission",
    "canChangeItemDownloadRestriction",
    "canChangeSecurityUpdateEnabled",
    "canChangeViewersCanCopyContent",
    "canComment",
    "canCopy",
    "canDelete",
    "canDeleteChildren",
    "canDisableInheritedPermissions",
    "canDownload",
    "canEdit",
    "canEnableInheritedPermissions",
    "canListChildren",
    "canModifyContent",
    "canModifyContentRestriction",
    "canModifyEditorContentRestriction",
    "canModifyLabels",
    "canModifyOwnerContentRestriction",
    "canMoveChildrenOutOfDrive",
    "canMoveChildrenOutOfTeamDrive",
    "canMoveChildrenWithinDrive",
    "canMoveChildrenWithinTeamDrive",
    "canMoveItemIntoTeamDrive",
    "canMoveItemOutOfDrive",
    "canMoveItemOutOfTeamDrive",
    "canMoveItemWithinDrive",
    "canMoveItemWithinTeamDrive",
    "canMoveTeamDriveItem",
    "canReadDrive",
    "canReadLabels",
    "canReadRevisions",
    "canReadTeamDrive",
    "canRemoveChildren",
    "canRemoveContentRestriction",
    "canRemoveMyDriveParent",
    "canRename",
    "canShare",
    "canStartApproval",
    "canTrash",
    "canTrashChildren",
    "canUntrash",
];

/// What `files.list` sends when no `fields` is given: of each file only its kind, id, name, MIME
/// type and resource key.
pub const LIST_DEFAULT: &str =
    "kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType,resourceKey)";
/// What `files.get` sends when no `fields` is given.
pub const GET_DEFAULT: &str = "kind,id,name,mimeType,resourceKey";

impl Selection {
    /// Reads `text` and checks every name against `resource`; `Err` carries Drive's wording.
    pub fn parse(text: &str, resource: Resource) -> Result<Selection, String> {
        let invalid = || format!("Invalid field selection {text}");
        let mut parser = Parser {
            text: text.as_bytes(),
            pos: 0,
        };
        let selection = parser.list().ok_or_else(invalid)?;
        if parser.pos != parser.text.len() {
            return Err(invalid());
        }
        selection.check(Some(resource))?;
        Ok(selection)
    }

    /// `value` with only the selected parts.
    pub fn apply(&self, value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.iter().map(|v| self.apply(v)).collect()),
            Value::Object(map) => {
                let mut kept = Map::new();
                for (key, inner) in map {
                    match self.0.get(key).or_else(|| self.0.get("*")) {
                        None => {}
                        Some(None) => {
                            kept.insert(key.clone(), inner.clone());
                        }
                        Some(Some(selection)) => {
                            kept.insert(key.clone(), selection.apply(inner));
                        }
                    }
                }
                Value::Object(kept)
            }
            scalar => scalar.clone(),
        }
    }

    /// Inside the file's other objects (imageMediaMetadata, contentHints and the like) names
    /// are not checked: `resource` is `None` there.
    fn check(&self, resource: Option<Resource>) -> Result<(), String> {
        for (name, inner) in &self.0 {
            let (known, inside) = match resource {
                _ if name == "*" => (true, None),
                None => (true, None),
                Some(Resource::FileList) => (
                    FILE_LIST_FIELDS.contains(&name.as_str()),
                    (name == "files").then_some(Resource::File),
                ),
                Some(Resource::File) => (
                    FILE_FIELDS.contains(&name.as_str()),
                    match name.as_str() {
                        "shortcutDetails" => Some(Resource::ShortcutDetails),
                        "capabilities" => Some(Resource::Capabilities),
                        _ => None,
                    },
                ),
                Some(Resource::ShortcutDetails) => {
                    (SHORTCUT_DETAILS_FIELDS.contains(&name.as_str()), None)
                }
                Some(Resource::Capabilities) => {
                    (CAPABILITIES_FIELDS.contains(&name.as_str()), None)
                }
            };
            if !known {
                return Err(format!("Invalid field selection {name}"));
            }
            if let Some(inner) = inner {
                inner.check(inside)?;
            }
        }
        Ok(())
    }

    /// Adds `path` (with `inner` under its last name), merging with what is already selected: a
    /// field selected whole stays whole.
    fn add(&mut self, path: &[String], inner: Option<Selection>) {
        let (first, rest) = path.split_first().expect("a path has a name");
        if !rest.is_empty() {
            let mut nested = Selection::default();
            nested.add(rest, inner);
            return self.add(std::slice::from_ref(first), Some(nested));
        }
        match (self.0.get_mut(first), inner) {
            (None, inner) => {
                self.0.insert(first.clone(), inner);
            }
            (Some(existing), None) => *existing = None,
            (Some(None), Some(_)) => {}
            (Some(Some(existing)), Some(inner)) => {
                for (key, value) in inner.0 {
                    existing.add(&[key], value);
                }
            }
        }
    }
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek_is(&self, byte: u8) -> bool {
        self.text.get(self.pos) == Some(&byte)
    }

    /// `item (',' item)*`
    fn list(&mut self) -> Option<Selection> {
        let mut selection = Selection::default();
        loop {
            let (path, inner) = self.item()?;
            selection.add(&path, inner);
            if !self.peek_is(b',') {
                return Some(selection);
            }
            self.pos += 1;
        }
    }

    /// `name ('/' name)* ('(' list ')')?`
    fn item(&mut self) -> Option<(Vec<String>, Option<Selection>)> {
        let mut path = vec![self.name()?];
        while self.peek_is(b'/') {
            self.pos += 1;
            path.push(self.name()?);
        }
        if !self.peek_is(b'(') {
            return Some((path, None));
        }
        self.pos += 1;
        let inner = self.list()?;
        if !self.peek_is(b')') {
            return None;
        }
        self.pos += 1;
        Some((path, Some(inner)))
    }

    fn name(&mut self) -> Option<String> {
        if self.peek_is(b'*') {
            self.pos += 1;
            return Some("*".into());
        }
        let start = self.pos;
        while self
            .text
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            self.pos += 1;
        }
        (self.pos > start).then(|| String::from_utf8_lossy(&self.text[start..self.pos]).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file() -> Value {
        json!({
            "kind": "drive#file", "id": "f1", "name": "A.json", "mimeType": "application/json",
            "size": "12", "md5Checksum": "abc", "trashed": false,
            "capabilities": {"canDownload": true, "canEdit": false},
            "shortcutDetails": {"targetId": "t", "targetMimeType": "m"},
        })
    }

    fn list(files: Vec<Value>) -> Value {
        json!({"kind": "drive#fileList", "nextPageToken": "p2", "incompleteSearch": false, "files": files})
    }

    #[test]
    fn a_list_selector_keeps_only_the_selected_fields_of_each_file() {
        let selection = Selection::parse(
            "nextPageToken,files(id,size,capabilities/canDownload)",
            Resource::FileList,
        )
        .unwrap();
        let file = json!({"id": "f1", "size": "12", "capabilities": {"canDownload": true}});
        assert_eq!(
            selection.apply(&list(vec![self::file(), self::file()])),
            json!({"nextPageToken": "p2", "files": [file, file]})
        );
    }

    #[test]
    fn without_next_page_token_in_the_selector_the_token_is_not_sent() {
        let selection = Selection::parse("files(id)", Resource::FileList).unwrap();
        assert_eq!(
            selection.apply(&list(vec![file()])),
            json!({"files": [{"id": "f1"}]})
        );
    }

    #[test]
    fn without_a_selector_drive_sends_a_files_kind_id_name_and_type() {
        let short = json!({"kind": "drive#file", "id": "f1", "name": "A.json", "mimeType": "application/json"});
        let listed = Selection::parse(LIST_DEFAULT, Resource::FileList).unwrap();
        assert_eq!(listed.apply(&list(vec![file()])), list(vec![short.clone()]));
        let got = Selection::parse(GET_DEFAULT, Resource::File).unwrap();
        assert_eq!(got.apply(&file()), short);
    }

    #[test]
    fn wildcards_paths_and_repeated_selections_combine() {
        let all = Selection::parse("*", Resource::File).unwrap();
        assert_eq!(all.apply(&file()), file());
        let every_file_field = Selection::parse("files(*)", Resource::FileList).unwrap();
        assert_eq!(
            every_file_field.apply(&list(vec![file()])),
            json!({"files": [file()]})
        );
        let merged = Selection::parse(
            "shortcutDetails/targetId,shortcutDetails(targetMimeType),id",
            Resource::File,
        )
        .unwrap();
        assert_eq!(
            merged.apply(&file()),
            json!({"id": "f1", "shortcutDetails": {"targetId": "t", "targetMimeType": "m"}})
        );
        let whole_stays_whole =
            Selection::parse("capabilities/canEdit,capabilities", Resource::File).unwrap();
        assert_eq!(
            whole_stays_whole.apply(&file()),
            json!({"capabilities": {"canDownload": true, "canEdit": false}})
        );
    }

    #[test]
    fn unreadable_selectors_and_unknown_fields_are_refused() {
        for bad in [
            "",
            ",",
            "id,",
            "files(id",
            "files(id))",
            "files()",
            "id name",
            "a//b",
            "files/",
        ] {
            assert!(
                Selection::parse(bad, Resource::FileList).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert_eq!(
            Selection::parse("files(id,colour)", Resource::FileList).unwrap_err(),
            "Invalid field selection colour"
        );
        assert!(Selection::parse("id", Resource::FileList).is_err());
        // Inside the objects the client selects from, names are checked too.
        assert_eq!(
            Selection::parse("files(capabilities/canFly)", Resource::FileList).unwrap_err(),
            "Invalid field selection canFly"
        );
        assert!(Selection::parse("shortcutDetails(targetName)", Resource::File).is_err());
        assert!(Selection::parse("capabilities(canDownload,canEdit)", Resource::File).is_ok());
        assert!(Selection::parse("imageMediaMetadata/width", Resource::File).is_ok());
    }
}
