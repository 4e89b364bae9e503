use isymphony_sim::model::{StatusChange, StatusType};

use super::*;

fn login(user: &str) -> Command {
    Command::UserLogin {
        user: user.into(),
        ip: "10.0.0.25".into(),
        port: 51234,
    }
}

fn status(user: &str, status_type: StatusType) -> Command {
    Command::SetStatus {
        user: user.into(),
        status: StatusChange {
            name: "Lunch".into(),
            status_type,
            note: "back soon".into(),
            return_in_ms: Some(3_600_000),
            user_created: false,
        },
    }
}

#[test]
fn login_then_logout_reuses_the_session_and_a_second_login_is_refused() {
    let mut pbx = pbx();
    let login_events = apply(&mut pbx, login("dana"));
    let err = pbx.apply(&login("dana")).unwrap_err().to_string();
    assert_eq!(
        err,
        "cannot log in user `dana`: the user is already logged in; log out first"
    );
    let logout = apply(
        &mut pbx,
        Command::UserLogout {
            user: "dana".into(),
        },
    );
    assert_eq!(types(&logout), ["userLogout"]);
    let a: serde_json::Value = serde_json::from_str(&login_events[0].to_json()).unwrap();
    let b: serde_json::Value = serde_json::from_str(&logout[0].to_json()).unwrap();
    assert_eq!(a["userLoginId"], b["userLoginId"]);
    assert!(!pbx.is_logged_in("dana"));
    assert!(
        pbx.apply(&Command::UserLogout {
            user: "dana".into()
        })
        .is_err()
    );
    assert_eq!(
        pbx.apply(&login("nobody")).unwrap_err().to_string(),
        "unknown user `nobody`"
    );
}

#[test]
fn every_status_type_is_sent_with_its_return_time() {
    let mut pbx = pbx();
    for status_type in StatusType::ALL {
        let events = apply(&mut pbx, status("dana", status_type));
        let json: serde_json::Value = serde_json::from_str(&events[0].to_json()).unwrap();
        assert_eq!(json["statusType"], status_type.as_str());
        assert_eq!(json["returnTime"], 1_700_000_000_000i64 + 3_600_000);
    }
    assert_eq!(StatusType::ALL.len(), 11);
}

#[test]
fn status_of_a_basic_user_or_on_an_unlicensed_server_is_silent() {
    let mut pbx = pbx();
    assert!(apply(&mut pbx, status("basil", StatusType::Away)).is_empty());
    assert_eq!(
        pbx.users()["basil"].status.as_ref().unwrap().status_type,
        "away"
    );

    let mut unlicensed = office();
    if let Some(cs) = &mut unlicensed.core_server {
        cs.licensed = false;
    }
    let mut pbx = Pbx::new(unlicensed, 1, Profile::Standard).unwrap();
    assert!(apply(&mut pbx, status("dana", StatusType::Away)).is_empty());
}

#[test]
fn agent_login_and_logout_follow_the_licensing_rule() {
    let mut pbx = pbx();
    let join = |q: &str, e: &str| Command::AgentLogin {
        queue: q.into(),
        extension: e.into(),
    };
    let leave = |q: &str, e: &str| Command::AgentLogout {
        queue: q.into(),
        extension: e.into(),
    };
    let events = apply(&mut pbx, join("support", "1001"));
    assert_eq!(types(&events), ["agentLogin"]);
    let json: serde_json::Value = serde_json::from_str(&events[0].to_json()).unwrap();
    assert_eq!(json["state"], "NOT_INUSE");
    assert_eq!(json["queue"], "Support");
    assert_eq!(
        json["agentId"],
        pbx.queues()["support"].agents["1001"].id.as_str()
    );

    assert!(
        apply(&mut pbx, join("support", "1003")).is_empty(),
        "basic user"
    );
    assert!(
        apply(&mut pbx, join("support", "2000")).is_empty(),
        "no user"
    );
    assert!(
        apply(&mut pbx, join("closed", "1002")).is_empty(),
        "disabled queue"
    );
    assert!(pbx.is_agent("support", "1003"));

    let err = pbx.apply(&join("support", "1001")).unwrap_err().to_string();
    assert!(err.contains("already an agent"), "{err}");
    assert_eq!(
        types(&apply(&mut pbx, leave("support", "1001"))),
        ["agentLogout"]
    );
    let err = pbx
        .apply(&leave("support", "1001"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "cannot log out extension `1001` from queue `support`: it is not an agent of that queue"
    );
}

#[test]
fn wind_down_ends_every_call_agent_and_login() {
    let mut pbx = pbx();
    apply(&mut pbx, login("dana"));
    apply(
        &mut pbx,
        Command::AgentLogin {
            queue: "support".into(),
            extension: "1002".into(),
        },
    );
    apply(
        &mut pbx,
        dial("c1", "1001", Destination::Extension("1003".into())),
    );
    apply(
        &mut pbx,
        outside("c2", Destination::Queue("support".into())),
    );
    let commands = pbx.wind_down();
    for command in &commands {
        apply(&mut pbx, command.clone());
    }
    assert!(pbx.active_calls().is_empty());
    assert!(pbx.segments().is_empty());
    assert!(!pbx.is_logged_in("dana"));
    assert!(!pbx.is_agent("support", "1002"));
    assert!(pbx.wind_down().is_empty());
}
