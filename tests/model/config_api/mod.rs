//! The Configuration API on the pure layer (`provisioning`): every path of the
//! table under both bases and both slash spellings, every method, every error
//! code; bad bodies; and random sequences that keep it and the Live API agreeing.

mod bodies;
mod routes;
mod views;

use isymphony_sim::model::{Directory, Pbx};
use isymphony_sim::protocol::{Event, Profile};
use isymphony_sim::provisioning::{self, Reply, ReplyBody, Request};
use serde_json::{Value, json};

/// The base the FreePBX module uses.
pub const CLIENT: &str = "/communication_manager/api/resource/";
/// The documented base.
pub const DOCUMENTED: &str = "/communication_manager/rest/config/";

/// A model with nothing in it, as `serve --empty` starts, driven through the API.
pub struct Api {
    pub pbx: Pbx,
}

impl Api {
    pub fn empty() -> Api {
        let mut pbx = Pbx::new(Directory::empty(), 5, Profile::Standard).expect("empty");
        pbx.set_time(1_700_000_000_000);
        Api { pbx }
    }

    /// One request under the client's base.
    pub fn call(&mut self, method: &str, path: &str, body: &str) -> (Reply, Vec<Event>) {
        self.call_at(&format!("{CLIENT}{path}"), method, body)
    }

    pub fn call_at(&mut self, full_path: &str, method: &str, body: &str) -> (Reply, Vec<Event>) {
        let request = Request {
            method,
            path: full_path,
            body: body.as_bytes(),
        };
        provisioning::handle(&mut self.pbx, &request)
    }

    /// A request that must answer `status`; its reply.
    pub fn expect(&mut self, status: u16, method: &str, path: &str, body: &str) -> Reply {
        let (reply, _) = self.call(method, path, body);
        assert_eq!(
            reply.status, status,
            "{method} {path} {body:.200} answered {reply:?}"
        );
        reply
    }

    /// The JSON of a GET that must succeed.
    pub fn get(&mut self, path: &str) -> Value {
        json_of(&self.expect(200, "GET", path, ""))
    }

    /// The Live API's answer, from the same model.
    pub fn live(&self, path: &str) -> Option<Value> {
        let segments: Vec<&str> = path.split('/').collect();
        self.pbx.live_get(&segments).ok()
    }
}

pub fn json_of(reply: &Reply) -> Value {
    match &reply.body {
        ReplyBody::Json(value) => value.clone(),
        other => panic!("not JSON: {other:?}"),
    }
}

/// Ids of the objects [`provisioned`] creates.
pub mod ids {
    pub const EXT: &str = "0e3b1c9a-0000-4000-8000-000000001101";
    pub const USER: &str = "0e3b1c9a-0000-4000-8000-0000000000a1";
    pub const QUEUE: &str = "0e3b1c9a-0000-4000-8000-0000000000b1";
    pub const ROOM: &str = "0e3b1c9a-0000-4000-8000-0000000000c1";
    pub const ADMIN: &str = "0e3b1c9a-0000-4000-8000-0000000000d1";
}

/// A core server `default` (its id returned), extension 1101 managed by full user
/// `sam`, queue `sales`, room `8000`, administrator `admin`, a parking lot, a PBX
/// connection, a phone number: one of everything, created through the API.
pub fn provisioned() -> (Api, String) {
    let mut api = Api::empty();
    api.expect(
        201,
        "POST",
        "server/coreServers/",
        r#"{"slug":"default","name":"default","brokerHost":"localhost","brokerPort":"50000"}"#,
    );
    let cs = api.get("server/coreServers/getBySlug/default")["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let ext = json!({"id": ids::EXT, "restricted": false, "extension": "1101", "displayName": "Sam Smith",
        "autoAnswer": false, "peer": "SIP/1101", "altOriginationMethod": "", "agentName": "Sam Smith",
        "agentLocation": "Local/1101@from-queue/n", "agentInterface": "SIP/1101", "agentPenalty": 0,
        "agentPaused": false, "originatingContextOverride": "", "redirectingContextOverride": "",
        "originateTimeoutOverride": 0, "voiceMailContext": "default", "voiceMailBox": "1101"});
    api.expect(
        201,
        "POST",
        &format!("asterisk/{cs}/extensions/"),
        &ext.to_string(),
    );
    let user = json!({"id": ids::USER, "restricted": false, "username": "sam", "password": "s3cret", "enabled": true, "full": true});
    api.expect(
        201,
        "POST",
        &format!("core/{cs}/users/noHash"),
        &user.to_string(),
    );
    let managing = api.get(&format!("core/{cs}/users"))[0].clone();
    api.expect(
        200,
        "POST",
        &format!("asterisk/{cs}/extensions/{}/managingUser", ids::EXT),
        &managing.to_string(),
    );
    let queue = json!({"id": ids::QUEUE, "restricted": false, "displayName": "Sales", "identifier": "sales",
        "destinationExtension": "sales", "destinationContext": "from-internal", "enabled": true});
    api.expect(
        201,
        "POST",
        &format!("asterisk/{cs}/queues/"),
        &queue.to_string(),
    );
    let room = json!({"id": ids::ROOM, "restricted": false, "name": "Weekly", "identifier": "8000",
        "destinationExtension": "8000", "destinationContext": "from-internal"});
    api.expect(
        201,
        "POST",
        &format!("asterisk/{cs}/conferenceRooms/"),
        &room.to_string(),
    );
    api.expect(201, "POST", &format!("asterisk/{cs}/parkingLots/"), r#"{"restricted":false,"name":"Main","identifier":"default","destinationExtension":"70","destinationContext":"from-internal"}"#);
    api.expect(
        201,
        "POST",
        "server/administrators/noHash",
        &json!({"id": ids::ADMIN, "userName": "admin", "password": "adm1n", "superUser": true})
            .to_string(),
    );
    api.expect(201, "POST", &format!("asterisk/{cs}/pbxServers"), r#"{"displayName":"FreePBX - 127.0.0.1","host":"127.0.0.1","port":"5038","username":"cxpanel","password":"cxmanager*con","enabled":true,"cdrHost":"127.0.0.1","cdrPort":"3306","cdrUsername":"freepbxuser","cdrPassword":"pw","recordingAgentIdentifier":"default"}"#);
    api.expect(
        201,
        "POST",
        &format!("contact/{cs}/users/{}/phoneNumbers", ids::USER),
        r#"{"type":"Cell","number":"5550100"}"#,
    );
    api.expect(
        201,
        "POST",
        &format!("contact/{cs}/users/{}/emailAddresses", ids::USER),
        r#"{"type":"Work","address":"sam@example.com"}"#,
    );
    api.expect(
        201,
        "POST",
        &format!("asterisk/{cs}/voicemailAgentIdentifiers/"),
        r#""default""#,
    );
    (api, cs)
}
