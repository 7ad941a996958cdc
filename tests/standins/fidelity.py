"""Google's own Drive client against drive-standin: proves the stand-in speaks Drive v3.

    fidelity.py make-tree DIR             writes the folder tree the stand-in will serve
    fidelity.py check PORT CREDS DIR KEY  drives the stand-in with google-api-python-client

The check uses service-account credentials (google.oauth2.service_account) whose token_uri is
the stand-in, so google-auth signs a real RS256 JWT-bearer assertion that the stand-in
verifies, and reads the token's lifetime from its answer; then files().list across pages and MediaIoBaseDownload of get_media in small chunks
(Range requests), comparing every byte with the files on disk. With the API key KEY, which the
stand-in was started with, it lists in API-key mode, and a wrong key must be refused as Drive
refuses one.
"""

import datetime
import hashlib
import io
import json
import os
import sys

SCOPES = ["https://www.googleapis.com/auth/drive.readonly"]
FOLDER = "application/vnd.google-apps.folder"
DAY = "2024-08-02"


def make_tree(root):
    day = os.path.join(root, "daily", DAY)
    os.makedirs(day)
    os.makedirs(os.path.join(root, "triggers"))
    with open(os.path.join(root, "triggers", "daily_ready.txt"), "w") as f:
        f.write(DAY + "\n")
    for i in range(7):
        # One file is larger than several download chunks.
        body = {"symbol": f"S{i}", "pad": "x" * (5000 if i == 3 else 10 * i), "n": i}
        with open(os.path.join(day, f"S{i}.IN_daily.json"), "w") as f:
            json.dump(body, f)


def fail(message):
    print(f"fidelity: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(port, creds_path, root, api_key):
    from google.auth.exceptions import RefreshError
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account
    from googleapiclient.discovery import build
    from googleapiclient.errors import HttpError
    from googleapiclient.http import MediaIoBaseDownload

    with open(creds_path) as f:
        info = json.load(f)
    endpoint = f"http://127.0.0.1:{port}/drive/v3/"
    creds = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)

    def client(**auth):
        return build(
            "drive",
            "v3",
            client_options={"api_endpoint": endpoint},
            static_discovery=True,
            cache_discovery=False,
            **auth,
        )

    drive = client(credentials=creds)

    def child(parent, name):
        q = (
            f"'{parent}' in parents and trashed = false and name = '{name}' "
            f"and (mimeType = '{FOLDER}' or mimeType = 'application/vnd.google-apps.shortcut')"
        )
        found = drive.files().list(q=q, fields="files(id,name,mimeType)").execute()["files"]
        if len(found) != 1:
            fail(f"expected one folder {name!r}, got {found}")
        return found[0]["id"]

    asked = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    day_id = child(child("rootFolder0", "daily"), DAY)
    if not creds.token or not creds.valid:
        fail("google-auth did not get a token from the stand-in")
    # google-auth reads the token's lifetime from expires_in, as the client does: an hour.
    if creds.expiry is None:
        fail("google-auth found no expires_in in the stand-in's token answer")
    lifetime = (creds.expiry - asked).total_seconds()
    if not 3500 <= lifetime <= 3600:
        fail(f"google-auth read a token lifetime of {lifetime} s, not about 3599")

    listed, pages, token = [], 0, None
    while True:
        page = (
            drive.files()
            .list(
                q=f"'{day_id}' in parents and trashed = false and mimeType != '{FOLDER}'",
                pageSize=2,
                pageToken=token,
                fields="nextPageToken,files(id,name,size,md5Checksum,mimeType)",
                supportsAllDrives=True,
                includeItemsFromAllDrives=True,
            )
            .execute()
        )
        pages += 1
        listed.extend(page["files"])
        token = page.get("nextPageToken")
        if not token:
            break
    on_disk = sorted(os.listdir(os.path.join(root, "daily", DAY)))
    if pages < 3:
        fail(f"listing took {pages} pages, wanted at least 3")
    if sorted(f["name"] for f in listed) != on_disk:
        fail(f"listed {sorted(f['name'] for f in listed)}, on disk {on_disk}")

    for item in listed:
        with open(os.path.join(root, "daily", DAY, item["name"]), "rb") as f:
            expected = f.read()
        buffer = io.BytesIO()
        request = drive.files().get_media(fileId=item["id"], supportsAllDrives=True)
        downloader = MediaIoBaseDownload(buffer, request, chunksize=1024)
        done, chunks = False, 0
        while not done:
            _, done = downloader.next_chunk()
            chunks += 1
        got = buffer.getvalue()
        if got != expected:
            fail(f"{item['name']}: downloaded {len(got)} bytes differ from the file")
        if hashlib.md5(got).hexdigest() != item["md5Checksum"] or int(item["size"]) != len(got):
            fail(f"{item['name']}: md5Checksum/size metadata do not match the bytes")
        if len(expected) > 3 * 1024 and chunks < 4:
            fail(f"{item['name']}: expected a ranged download in several chunks, got {chunks}")

    meta = drive.files().get(fileId=listed[0]["id"], fields="id,name,md5Checksum").execute()
    if meta != {k: listed[0][k] for k in ("id", "name", "md5Checksum")}:
        fail(f"files.get with fields=id,name,md5Checksum returned {meta}")

    # Partial responses: only what `fields` selects, Drive's short default without it, and 400
    # (an HttpError in Google's client) for a selector Drive cannot read.
    if any(set(f) != {"id", "name", "size", "md5Checksum", "mimeType"} for f in listed):
        fail(f"files.list sent fields it was not asked for: {listed[0]}")
    default = drive.files().get(fileId=listed[0]["id"]).execute()
    if set(default) != {"kind", "id", "name", "mimeType"}:
        fail(f"files.get without fields returned {sorted(default)}")
    unpaged = drive.files().list(
        q=f"'{day_id}' in parents and trashed = false", pageSize=2, fields="files(id)"
    ).execute()
    if "nextPageToken" in unpaged or any(set(f) != {"id"} for f in unpaged["files"]):
        fail(f"files.list with fields=files(id) returned {unpaged}")
    try:
        drive.files().get(fileId=listed[0]["id"], fields="id,colour").execute()
    except HttpError as e:
        if e.resp.status != 400:
            fail(f"an unknown field was refused with {e.resp.status}, not 400")
    else:
        fail("the stand-in accepted fields=id,colour")

    # The stand-in's field names against the Drive v3 schema Google's client ships with: every
    # field Drive knows in a file, a list, a file's capabilities and shortcutDetails is accepted
    # (in files.get and inside a list's files), and a name Drive does not know is refused.
    from googleapiclient.discovery_cache import get_static_doc

    schemas = json.loads(get_static_doc("drive", "v3"))["schemas"]
    file_fields = schemas["File"]["properties"]
    nested = [
        f"{outer}/{name}"
        for outer in ("capabilities", "shortcutDetails")
        for name in file_fields[outer]["properties"]
    ]
    in_folder = f"'{day_id}' in parents and trashed = false"

    def refused(call):
        try:
            call.execute()
        except HttpError as e:
            return e.resp.status
        return None

    for field in [*file_fields, *nested]:
        for call in (
            drive.files().get(fileId=listed[0]["id"], fields=field),
            drive.files().list(q=in_folder, pageSize=1, fields=f"files({field})"),
        ):
            if refused(call):
                fail(f"Drive v3 knows the file field {field}; the stand-in refused it")
    for field in schemas["FileList"]["properties"]:
        if refused(drive.files().list(q=in_folder, pageSize=1, fields=field)):
            fail(f"Drive v3 knows the list field {field}; the stand-in refused it")
    for field in ("colour", "capabilities/canFly", "shortcutDetails/targetName"):
        status = refused(drive.files().get(fileId=listed[0]["id"], fields=field))
        if status != 400:
            fail(f"fields={field} is not a Drive field; the stand-in answered {status or 200}")

    # API-key mode: Google's client sends the key as key=; a key Drive does not know is a 400
    # carrying API_KEY_INVALID, not a 401.
    keyed_page = client(developerKey=api_key).files().list(q=in_folder, fields="files(name)").execute()
    keyed_names = [f["name"] for f in keyed_page["files"]]
    if not keyed_names or not set(keyed_names) <= set(on_disk):
        fail(f"with an API key the stand-in listed {keyed_names}")
    try:
        client(developerKey=api_key + "-wrong").files().list(q=in_folder).execute()
    except HttpError as e:
        details = json.dumps(e.error_details)
        if e.resp.status != 400 or "API_KEY_INVALID" not in details:
            fail(f"a wrong API key got {e.resp.status} {details}, not 400 API_KEY_INVALID")
    else:
        fail("the stand-in accepted a wrong API key")

    # The token endpoint really verifies: the same key under another issuer is refused.
    forged = dict(info, client_email="intruder@standin.iam.gserviceaccount.com")
    bad = service_account.Credentials.from_service_account_info(forged, scopes=SCOPES)
    try:
        bad.refresh(Request())
    except RefreshError as e:
        if "invalid_grant" not in str(e):
            fail(f"unexpected refusal: {e}")
    else:
        fail("the stand-in accepted an assertion from the wrong issuer")

    print(
        f"fidelity: ok: token via JWT-bearer ({lifetime:.0f} s), {len(listed)} files listed over {pages} pages, "
        f"every get_media download byte-identical (ranged chunks), partial responses as "
        f"selected, {len(file_fields) + len(nested)} file fields of Google's schema known, "
        f"API key accepted and a wrong one refused as Drive does, wrong issuer refused"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["make-tree"]:
        make_tree(sys.argv[2])
    elif sys.argv[1:2] == ["check"]:
        check(*sys.argv[2:6])
    else:
        fail(__doc__)
