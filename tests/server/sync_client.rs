//! A provisioning client written as FreePBX's iSymphony module syncs (the sync
//! flow of docs/protocol.md §9): read each collection, create what is missing
//! with the client's own UUIDs, send back changed what differs, and delete what
//! it manages but no longer has. It speaks HTTP through `http_client` (its own
//! minimal HTTP/1.1 over TCP), knowing nothing of the server's code.

use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::http_client::{Reply, send};

/// Where the module sends everything.
pub const BASE: &str = "/communication_manager/api/resource/";

/// An extension the PBX has.
pub struct Extension {
    pub id: &'static str,
    pub number: &'static str,
    pub name: &'static str,
}

/// A user, its contact and the extensions it manages.
pub struct User {
    pub id: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub full: bool,
    pub first: &'static str,
    pub last: &'static str,
    pub email: &'static str,
    pub phones: Vec<(&'static str, &'static str)>,
    pub manages: Vec<&'static str>,
}

/// A queue or conference room.
pub struct Place {
    pub id: &'static str,
    pub identifier: &'static str,
    pub name: &'static str,
}

/// What the PBX has, that the sync makes the server have.
pub struct Desired {
    pub slug: &'static str,
    pub admin: (&'static str, &'static str, &'static str),
    pub extensions: Vec<Extension>,
    pub users: Vec<User>,
    pub queues: Vec<Place>,
    pub rooms: Vec<Place>,
    pub parking_extension: &'static str,
}

/// One sync; the requests it sent, as "METHOD path".
pub struct Sync {
    addr: SocketAddr,
    pub sent: Vec<String>,
}

impl Sync {
    pub fn new(addr: SocketAddr) -> Sync {
        Sync {
            addr,
            sent: Vec::new(),
        }
    }

    async fn call(&mut self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.sent.push(format!("{method} {path}"));
        let text = body.map(Value::to_string).unwrap_or_default();
        let reply = send(self.addr, method, &format!("{BASE}{path}"), &text).await;
        assert!(
            (200..300).contains(&reply.status) || (method == "GET" && reply.status == 404),
            "{method} {path} {text}: {} {}",
            reply.status,
            reply.body
        );
        reply
    }

    async fn get(&mut self, path: &str) -> Option<Value> {
        let reply = self.call("GET", path, None).await;
        (reply.status == 200).then(|| reply.json())
    }

    async fn list(&mut self, path: &str) -> Vec<Value> {
        match self.get(path).await {
            Some(Value::Array(items)) => items,
            other => panic!("GET {path}: not a list: {other:?}"),
        }
    }

    /// The whole flow, in the module's order.
    pub async fn run(&mut self, want: &Desired) {
        let cs = self.core_server(want.slug).await;
        self.core_settings(&cs).await;
        self.agents(&cs).await;
        self.pbx_server(&cs).await;
        self.administrators(want).await;
        self.extensions(&cs, want).await;
        self.users(&cs, want).await;
        self.contacts(&cs, want).await;
        self.managing_users(&cs, want).await;
        self.places(&cs, "queues", &want.queues).await;
        self.places(&cs, "conferenceRooms", &want.rooms).await;
        self.parking_lot(&cs, want.parking_extension).await;
    }

    async fn core_server(&mut self, slug: &str) -> String {
        let path = format!("server/coreServers/getBySlug/{slug}");
        if self.get(&path).await.is_none() {
            let body = json!({"slug": slug, "name": slug, "brokerHost": "localhost", "brokerPort": "50000"});
            self.call("POST", "server/coreServers/", Some(&body)).await;
        }
        let found = self
            .get(&path)
            .await
            .expect("the core server, once created");
        found["id"].as_str().expect("an id").to_string()
    }

    async fn core_settings(&mut self, cs: &str) {
        let mut settings = self.get(&format!("asterisk/{cs}")).await.expect("settings");
        if settings["originatingContext"] != "from-internal"
            || settings["redirectingContext"] != "from-internal"
            || settings["musicOnHoldClass"] != "default"
        {
            settings["originatingContext"] = json!("from-internal");
            settings["redirectingContext"] = json!("from-internal");
            settings["musicOnHoldClass"] = json!("default");
            self.call("PUT", &format!("asterisk/{cs}"), Some(&settings))
                .await;
        }
    }

    async fn agents(&mut self, cs: &str) {
        let mut vm = self
            .get("asterisk/voicemailAgents/default")
            .await
            .expect("an agent");
        if vm["rootPath"] != "/var/spool/asterisk/voicemail" || vm["resourceHost"] != "127.0.0.1" {
            vm["rootPath"] = json!("/var/spool/asterisk/voicemail");
            vm["resourceHost"] = json!("127.0.0.1");
            vm["resourceExtension"] = json!("wav");
            self.call("PUT", "asterisk/voicemailAgents/default", Some(&vm))
                .await;
        }
        let bound = self
            .list(&format!("asterisk/{cs}/voicemailAgentIdentifiers"))
            .await;
        if !bound.iter().any(|i| i == "default") {
            let path = format!("asterisk/{cs}/voicemailAgentIdentifiers/");
            self.call("POST", &path, Some(&json!("default"))).await;
        }
        let mut rec = self
            .get("asterisk/recordingAgents/default")
            .await
            .expect("an agent");
        if rec["rootPath"] != "/var/spool/asterisk/monitor" || rec["fileNameMask"] != "%Y/%m/%d" {
            rec["rootPath"] = json!("/var/spool/asterisk/monitor");
            rec["resourceHost"] = json!("127.0.0.1");
            rec["resourceExtension"] = json!("wav");
            rec["fileNameMask"] = json!("%Y/%m/%d");
            self.call("PUT", "asterisk/recordingAgents/default", Some(&rec))
                .await;
        }
    }

    async fn pbx_server(&mut self, cs: &str) {
        let connections = self.list(&format!("asterisk/{cs}/pbxServers")).await;
        let found = connections.into_iter().find(|c| {
            c["host"] == "127.0.0.1"
                && c["port"] == "5038"
                && c["username"] == "cxpanel"
                && c["password"] == "cxmanager*con"
        });
        match found {
            None => {
                let body = json!({"displayName": "FreePBX - 127.0.0.1", "host": "127.0.0.1", "port": "5038",
                    "username": "cxpanel", "password": "cxmanager*con", "enabled": true, "cdrHost": "127.0.0.1",
                    "cdrPort": "3306", "cdrUsername": "freepbxuser", "cdrPassword": "cdr", "recordingAgentIdentifier": "default"});
                self.call("POST", &format!("asterisk/{cs}/pbxServers"), Some(&body))
                    .await;
            }
            Some(mut c) if c["cdrPort"] != "3306" => {
                c["cdrPort"] = json!("3306");
                let id = c["id"].as_str().unwrap_or_default().to_string();
                self.call("PUT", &format!("asterisk/{cs}/pbxServers/{id}"), Some(&c))
                    .await;
            }
            Some(_) => {}
        }
    }

    /// Existing administrators are matched by name. Their passwords are not
    /// compared: this server never shows the one sent (see the README).
    async fn administrators(&mut self, want: &Desired) {
        let admins = self.list("server/administrators").await;
        let (id, name, password) = want.admin;
        if !admins.iter().any(|a| a["userName"] == name) {
            let body = json!({"userName": name, "password": password, "superUser": true, "id": id});
            self.call("POST", "server/administrators/noHash", Some(&body))
                .await;
        }
    }

    async fn extensions(&mut self, cs: &str, want: &Desired) {
        let existing = self.list(&format!("asterisk/{cs}/extensions")).await;
        for e in &want.extensions {
            let location = format!("Local/{}@from-queue/n", e.number);
            match existing.iter().find(|x| x["extension"] == e.number) {
                None => {
                    let body = json!({"id": e.id, "restricted": false, "extension": e.number, "displayName": e.name,
                        "autoAnswer": false, "peer": format!("PJSIP/{}", e.number), "altOriginationMethod": "",
                        "agentName": e.name, "agentLocation": location, "agentInterface": format!("PJSIP/{}", e.number),
                        "agentPenalty": 0, "agentPaused": false, "originatingContextOverride": "",
                        "redirectingContextOverride": "", "originateTimeoutOverride": 0,
                        "voiceMailContext": "default", "voiceMailBox": e.number});
                    self.call("POST", &format!("asterisk/{cs}/extensions/"), Some(&body))
                        .await;
                }
                Some(found)
                    if found["displayName"] != e.name
                        || found["agentLocation"] != location.as_str() =>
                {
                    let mut changed = found.clone();
                    changed["displayName"] = json!(e.name);
                    changed["agentName"] = json!(e.name);
                    changed["agentLocation"] = json!(location);
                    let id = found["id"].as_str().unwrap_or_default().to_string();
                    self.call(
                        "PUT",
                        &format!("asterisk/{cs}/extensions/{id}"),
                        Some(&changed),
                    )
                    .await;
                }
                Some(_) => {}
            }
        }
    }

    async fn users(&mut self, cs: &str, want: &Desired) {
        let existing = self.list(&format!("core/{cs}/users")).await;
        for u in &want.users {
            match existing.iter().find(|x| x["username"] == u.username) {
                None => {
                    let body = json!({"id": u.id, "restricted": false, "username": u.username,
                        "password": u.password, "enabled": true, "full": u.full});
                    self.call("POST", &format!("core/{cs}/users/noHash"), Some(&body))
                        .await;
                }
                Some(found) if found["full"] != u.full => {
                    let mut changed = found.clone();
                    changed["full"] = json!(u.full);
                    let id = found["id"].as_str().unwrap_or_default().to_string();
                    self.call(
                        "PUT",
                        &format!("core/{cs}/users/noHash/{id}"),
                        Some(&changed),
                    )
                    .await;
                }
                Some(_) => {}
            }
        }
    }

    async fn contacts(&mut self, cs: &str, want: &Desired) {
        let users = self.list(&format!("core/{cs}/users")).await;
        for u in &want.users {
            let Some(server) = users.iter().find(|x| x["username"] == u.username) else {
                continue;
            };
            let id = server["id"].as_str().unwrap_or_default().to_string();
            let contact = self.get(&format!("contact/{cs}/users/{id}")).await;
            if contact
                .as_ref()
                .is_none_or(|c| c["firstName"] != u.first || c["lastName"] != u.last)
            {
                let body = json!({"firstName": u.first, "lastName": u.last});
                self.call("PUT", &format!("contact/{cs}/users/{id}"), Some(&body))
                    .await;
            }
            let emails = self
                .list(&format!("contact/{cs}/users/{id}/emailAddresses"))
                .await;
            if !emails.iter().any(|e| e["address"] == u.email) {
                let body = json!({"type": "Work", "address": u.email});
                self.call(
                    "POST",
                    &format!("contact/{cs}/users/{id}/emailAddresses"),
                    Some(&body),
                )
                .await;
            }
            let phones = self
                .list(&format!("contact/{cs}/users/{id}/phoneNumbers"))
                .await;
            for (kind, number) in &u.phones {
                if !phones
                    .iter()
                    .any(|p| p["type"] == *kind && p["number"] == *number)
                {
                    let body = json!({"type": kind, "number": number});
                    self.call(
                        "POST",
                        &format!("contact/{cs}/users/{id}/phoneNumbers"),
                        Some(&body),
                    )
                    .await;
                }
            }
            for p in &phones {
                if !u
                    .phones
                    .iter()
                    .any(|(kind, number)| p["type"] == *kind && p["number"] == *number)
                {
                    let pid = p["id"].as_str().unwrap_or_default().to_string();
                    self.call(
                        "DELETE",
                        &format!("contact/{cs}/users/{id}/phoneNumbers/{pid}"),
                        None,
                    )
                    .await;
                }
            }
        }
    }

    async fn managing_users(&mut self, cs: &str, want: &Desired) {
        let users = self.list(&format!("core/{cs}/users")).await;
        let extensions = self.list(&format!("asterisk/{cs}/extensions")).await;
        for u in &want.users {
            let Some(user) = users.iter().find(|x| x["username"] == u.username) else {
                continue;
            };
            for number in &u.manages {
                let Some(ext) = extensions.iter().find(|e| e["extension"] == *number) else {
                    continue;
                };
                let id = ext["id"].as_str().unwrap_or_default().to_string();
                let path = format!("asterisk/{cs}/extensions/{id}/managingUser");
                let current = self.get(&path).await;
                if current.is_none_or(|c| c["username"] != u.username) {
                    self.call("POST", &path, Some(user)).await;
                }
            }
        }
    }

    async fn places(&mut self, cs: &str, resource: &str, want: &[Place]) {
        let existing = self.list(&format!("asterisk/{cs}/{resource}")).await;
        let name_field = if resource == "queues" {
            "displayName"
        } else {
            "name"
        };
        for place in want {
            match existing
                .iter()
                .find(|x| x["identifier"] == place.identifier)
            {
                None => {
                    let mut body = json!({"id": place.id, "restricted": false, "identifier": place.identifier,
                        "destinationExtension": place.identifier, "destinationContext": "from-internal"});
                    body[name_field] = json!(place.name);
                    if resource == "queues" {
                        body["enabled"] = json!(true);
                    }
                    self.call("POST", &format!("asterisk/{cs}/{resource}/"), Some(&body))
                        .await;
                }
                Some(found)
                    if found[name_field] != place.name
                        || found["destinationContext"] != "from-internal" =>
                {
                    let mut changed = found.clone();
                    changed[name_field] = json!(place.name);
                    changed["destinationContext"] = json!("from-internal");
                    let id = found["id"].as_str().unwrap_or_default().to_string();
                    self.call(
                        "PUT",
                        &format!("asterisk/{cs}/{resource}/{id}"),
                        Some(&changed),
                    )
                    .await;
                }
                Some(_) => {}
            }
        }
    }

    async fn parking_lot(&mut self, cs: &str, extension: &str) {
        let lots = self.list(&format!("asterisk/{cs}/parkingLots")).await;
        match lots.iter().find(|l| l["identifier"] == "default") {
            None => {
                let body = json!({"restricted": false, "name": "Main", "identifier": "default",
                    "destinationExtension": extension, "destinationContext": "from-internal"});
                self.call("POST", &format!("asterisk/{cs}/parkingLots/"), Some(&body))
                    .await;
            }
            Some(lot) if lot["name"] != "Main" || lot["destinationExtension"] != extension => {
                let mut changed = lot.clone();
                changed["name"] = json!("Main");
                changed["destinationExtension"] = json!(extension);
                let id = lot["id"].as_str().unwrap_or_default().to_string();
                self.call(
                    "PUT",
                    &format!("asterisk/{cs}/parkingLots/{id}"),
                    Some(&changed),
                )
                .await;
            }
            Some(_) => {}
        }
    }
}
