use isymphony_sim::model::CallState;

use super::*;

#[test]
fn a_bridged_call_that_ends_gives_link_end_then_a_hangup_per_segment() {
    let mut pbx = pbx();
    assert!(
        apply(
            &mut pbx,
            dial("c1", "1001", Destination::Extension("1002".into()))
        )
        .is_empty()
    );
    assert_eq!(pbx.call_state("c1"), Some(CallState::Ringing));
    assert_eq!(pbx.device_state("1002"), "RINGING");
    apply(&mut pbx, answer("c1", Some("1002")));
    assert_eq!(pbx.device_state("1002"), "INUSE");
    let events = apply(&mut pbx, hangup("c1"));
    assert_eq!(types(&events), ["linkEnd", "hangup", "hangup"]);
    let link: serde_json::Value = serde_json::from_str(&events[0].to_json()).unwrap();
    let first: serde_json::Value = serde_json::from_str(&events[1].to_json()).unwrap();
    let second: serde_json::Value = serde_json::from_str(&events[2].to_json()).unwrap();
    assert_eq!(link["callSegmentId1"], first["callSegmentId"]);
    assert_eq!(link["callSegmentId2"], second["callSegmentId"]);
    assert_eq!(link["username1"], "dana");
    assert_eq!(link["did1"], serde_json::Value::Null);
    assert_eq!(pbx.call_state("c1"), None);
    assert!(pbx.segments().is_empty());
}

#[test]
fn answering_a_call_that_is_not_ringing_names_the_call_and_its_state() {
    let mut pbx = pbx();
    apply(
        &mut pbx,
        dial("c1", "1001", Destination::Extension("1002".into())),
    );
    apply(&mut pbx, answer("c1", None));
    let before = pbx.clone();
    let err = pbx.apply(&answer("c1", None)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot answer call `c1`: it is connected, not ringing or queued"
    );
    assert_eq!(before, pbx.clone(), "a refusal changes nothing");
    assert_eq!(
        pbx.apply(&answer("nope", None)).unwrap_err().to_string(),
        "no live call `nope` (it never started or has already ended)"
    );
}

#[test]
fn answering_at_the_wrong_extension_is_refused() {
    let mut pbx = pbx();
    apply(
        &mut pbx,
        dial("c1", "1001", Destination::Extension("1002".into())),
    );
    let err = pbx
        .apply(&answer("c1", Some("1003")))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "cannot answer call `c1` at extension `1003`: it is ringing at extension `1002`"
    );
}

#[test]
fn busy_and_dnd_extensions_cannot_ring() {
    let mut pbx = pbx();
    apply(
        &mut pbx,
        dial("c1", "1001", Destination::Extension("1002".into())),
    );
    let err = pbx
        .apply(&dial("c2", "1003", Destination::Extension("1002".into())))
        .unwrap_err()
        .to_string();
    assert_eq!(err, "cannot ring extension `1002`: it is busy on call `c1`");
    apply(
        &mut pbx,
        Command::SetDnd {
            extension: "2000".into(),
            on: true,
        },
    );
    let err = pbx
        .apply(&dial("c3", "1003", Destination::Extension("2000".into())))
        .unwrap_err()
        .to_string();
    assert_eq!(err, "cannot ring extension `2000`: Do Not Disturb is on");
    assert!(
        pbx.call_state("c3").is_none(),
        "a refused dial leaves no call behind"
    );
    let err = pbx
        .apply(&dial("c1", "1003", Destination::Extension("2000".into())))
        .unwrap_err()
        .to_string();
    assert!(err.contains("a live call already has that label"), "{err}");
}

#[test]
fn queued_calls_are_taken_by_idle_unpaused_agents_only() {
    let mut pbx = pbx();
    apply(
        &mut pbx,
        Command::AgentLogin {
            queue: "support".into(),
            extension: "1001".into(),
        },
    );
    apply(
        &mut pbx,
        outside("in1", Destination::Queue("support".into())),
    );
    assert_eq!(pbx.call_state("in1"), Some(CallState::Queued));
    assert_eq!(pbx.idle_agents("support"), ["1001"]);
    let err = pbx.apply(&answer("in1", None)).unwrap_err().to_string();
    assert!(err.contains("name the answering agent with `by`"), "{err}");
    let err = pbx
        .apply(&answer("in1", Some("1002")))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`1002` is not an agent of queue `support`"),
        "{err}"
    );
    apply(
        &mut pbx,
        Command::AgentPause {
            queue: "support".into(),
            extension: "1001".into(),
            paused: true,
        },
    );
    assert!(pbx.idle_agents("support").is_empty());
    assert!(pbx.apply(&answer("in1", Some("1001"))).is_err());
    apply(
        &mut pbx,
        Command::AgentPause {
            queue: "support".into(),
            extension: "1001".into(),
            paused: false,
        },
    );
    apply(&mut pbx, answer("in1", Some("1001")));
    assert_eq!(pbx.call_state("in1"), Some(CallState::Connected));
    assert!(
        pbx.idle_agents("support").is_empty(),
        "the agent is busy now"
    );
    let events = apply(&mut pbx, hangup("in1"));
    assert_eq!(types(&events), ["linkEnd", "hangup", "hangup"]);
    let link: serde_json::Value = serde_json::from_str(&events[0].to_json()).unwrap();
    assert_eq!(link["did1"], "5550100");
    assert_eq!(link["callerIdName1"], "ACME Corp");
    assert_eq!(link["extensionId1"], serde_json::Value::Null);
}

#[test]
fn a_blind_transfer_drops_the_answering_side_and_rings_the_target() {
    let mut pbx = pbx();
    apply(
        &mut pbx,
        outside("in1", Destination::Extension("1002".into())),
    );
    apply(&mut pbx, answer("in1", None));
    let events = apply(
        &mut pbx,
        Command::Transfer {
            call: "in1".into(),
            to: "1001".into(),
        },
    );
    assert_eq!(types(&events), ["linkEnd", "hangup"]);
    let hangup_json: serde_json::Value = serde_json::from_str(&events[1].to_json()).unwrap();
    assert_eq!(hangup_json["username"], "desk");
    assert_eq!(pbx.call_state("in1"), Some(CallState::Ringing));
    assert_eq!(pbx.device_state("1001"), "RINGING");
    apply(&mut pbx, answer("in1", Some("1001")));
    let events = apply(&mut pbx, hangup("in1"));
    assert_eq!(types(&events), ["linkEnd", "hangup", "hangup"]);
}

#[test]
fn calls_between_unlicensed_parties_are_silent() {
    let mut pbx = pbx();
    apply(
        &mut pbx,
        dial("c1", "1003", Destination::Extension("2000".into())),
    );
    apply(&mut pbx, answer("c1", None));
    assert!(apply(&mut pbx, hangup("c1")).is_empty());
}

#[test]
fn an_outside_segment_hangup_is_sent_when_its_peer_is_licensed() {
    let mut pbx = pbx();
    apply(
        &mut pbx,
        dial("c1", "1001", Destination::External("5550199".into())),
    );
    apply(&mut pbx, answer("c1", None));
    let events = apply(&mut pbx, hangup("c1"));
    assert_eq!(types(&events), ["linkEnd", "hangup", "hangup"]);
    let outside: serde_json::Value = serde_json::from_str(&events[2].to_json()).unwrap();
    assert_eq!(outside["callerIdNumber"], "5550199");
    assert_eq!(outside["username"], serde_json::Value::Null);
}

#[test]
fn leaving_a_conference_gives_conf_room_call_leave_then_hangup() {
    let mut pbx = pbx();
    apply(
        &mut pbx,
        dial("m1", "1001", Destination::Conference("weekly".into())),
    );
    apply(
        &mut pbx,
        outside("m2", Destination::Conference("weekly".into())),
    );
    assert_eq!(pbx.call_state("m1"), Some(CallState::Conference));
    let events = apply(&mut pbx, hangup("m2"));
    assert_eq!(
        types(&events),
        ["confRoomCallLeave"],
        "no licensed party on m2"
    );
    let events = apply(&mut pbx, hangup("m1"));
    assert_eq!(types(&events), ["confRoomCallLeave", "hangup"]);
    let json: serde_json::Value = serde_json::from_str(&events[0].to_json()).unwrap();
    assert_eq!(json["conferenceRoomName"], "Weekly");
    assert_eq!(json["conferenceRoomId"], pbx.rooms()["weekly"].id.as_str());

    let mut no_rooms = office();
    if let Some(cs) = &mut no_rooms.core_server {
        cs.conference_rooms = false;
    }
    let mut pbx = Pbx::new(no_rooms, 1, Profile::Standard).unwrap();
    let err = pbx
        .apply(&dial(
            "m1",
            "1001",
            Destination::Conference("weekly".into()),
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("conference rooms are disabled"), "{err}");
}

#[test]
fn dial_is_emitted_only_in_the_extended_profile() {
    let mut standard = pbx();
    assert!(
        apply(
            &mut standard,
            dial("c1", "1001", Destination::Extension("1002".into()))
        )
        .is_empty()
    );
    let mut extended = Pbx::new(office(), 7, Profile::Extended).unwrap();
    let events = apply(
        &mut extended,
        dial("c1", "1001", Destination::Extension("1002".into())),
    );
    assert_eq!(types(&events), ["dial"]);
}

#[test]
fn hold_and_record_need_a_connected_call() {
    let mut pbx = pbx();
    apply(
        &mut pbx,
        dial("c1", "1001", Destination::Extension("1002".into())),
    );
    let err = pbx
        .apply(&Command::Hold {
            call: "c1".into(),
            on: true,
        })
        .unwrap_err()
        .to_string();
    assert_eq!(err, "cannot hold call `c1`: it is ringing, not connected");
    apply(&mut pbx, answer("c1", None));
    apply(
        &mut pbx,
        Command::Hold {
            call: "c1".into(),
            on: true,
        },
    );
    apply(
        &mut pbx,
        Command::Record {
            call: "c1".into(),
            on: true,
        },
    );
    let caller = pbx.call("c1").unwrap().caller.clone();
    assert!(pbx.segments()[&caller].on_hold);
    assert!(pbx.segments().values().all(|s| s.recording));
    assert_eq!(pbx.device_state("1001"), "ONHOLD");
}
