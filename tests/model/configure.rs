//! Directory changes (`Pbx::configure`): kept ids, both views of one object, the
//! activity a change ends and its events, and refusals that change nothing.

use isymphony_sim::model::{
    DirectoryChange as C, DirectoryError, ExtensionConfig, License, Password, QueueConfig, Secret,
    UserConfig,
};

use super::*;

fn configure(pbx: &mut Pbx, change: C) -> Vec<Event> {
    match pbx.configure(&change) {
        Ok(done) => done.events,
        Err(err) => panic!("{change:?} refused: {err}"),
    }
}

/// The office plus user `sam` (id `u-sam`) managing extension 1101 (id `e-1101`).
fn provisioned() -> Pbx {
    let mut pbx = pbx();
    configure(
        &mut pbx,
        C::CreateExtension(ExtensionConfig {
            id: Some("e-1101".into()),
            ..ExtensionConfig::new("1101", "Sam S")
        }),
    );
    configure(
        &mut pbx,
        C::CreateUser(UserConfig {
            id: Some("u-sam".into()),
            password: Some(Password::Clear(Secret::new("pa55"))),
            ..UserConfig::new("sam", "Sam S")
        }),
    );
    configure(
        &mut pbx,
        C::SetManagingUser {
            extension: "e-1101".into(),
            user: Some("u-sam".into()),
        },
    );
    pbx
}

#[test]
fn a_provisioned_user_keeps_its_id_in_the_live_api_and_in_events() {
    let mut pbx = provisioned();

    let events = apply(
        &mut pbx,
        Command::UserLogin {
            user: "sam".into(),
            ip: "10.0.0.9".into(),
            port: 50000,
        },
    );

    let json: serde_json::Value = serde_json::from_str(&events[0].to_json()).unwrap();
    assert_eq!(json["type"], "userLogin");
    assert_eq!(json["userId"], "u-sam");
    let live = pbx
        .live_get(&[
            "coreServers",
            "getByName",
            "default",
            "users",
            "getByName",
            "sam",
        ])
        .unwrap();
    assert_eq!(live["id"], "u-sam");
    assert_eq!(live["configurationId"], "u-sam");
    assert_eq!(live["displayedName"], "Sam S");
    let ext = pbx
        .live_get(&[
            "coreServers",
            "getByName",
            "default",
            "extensions",
            "e-1101",
        ])
        .unwrap();
    assert_eq!(ext["extensionNumber"], "1101");
}

#[test]
fn the_password_is_stored_hashed() {
    let pbx = provisioned();
    let hash = pbx.users()["sam"].password.clone().expect("a password");
    assert!(!hash.as_str().contains("pa55"));
    assert!(hash.verify(&Secret::new("pa55")));
    let saved = format!("{:?}", pbx.directory());
    assert!(!saved.contains("pa55"), "{saved}");
}

#[test]
fn deleting_an_extension_in_a_call_ends_the_call_first() {
    let mut pbx = provisioned();
    apply(
        &mut pbx,
        dial("c1", "1001", Destination::Extension("1101".into())),
    );
    apply(&mut pbx, answer("c1", None));

    let events = configure(&mut pbx, C::DeleteExtension("e-1101".into()));

    assert_eq!(types(&events), ["linkEnd", "hangup", "hangup"]);
    assert!(pbx.active_calls().is_empty());
    assert!(!pbx.extensions().contains_key("1101"));
    assert!(pbx.users()["sam"].extensions.is_empty());
    assert!(
        pbx.live_get(&[
            "coreServers",
            "getByName",
            "default",
            "extensions",
            "e-1101"
        ])
        .is_err()
    );
}

#[test]
fn deleting_a_logged_in_agent_user_logs_it_out_of_everything() {
    let mut pbx = provisioned();
    apply(
        &mut pbx,
        Command::UserLogin {
            user: "sam".into(),
            ip: "10.0.0.9".into(),
            port: 50000,
        },
    );
    apply(
        &mut pbx,
        Command::AgentLogin {
            queue: "support".into(),
            extension: "1101".into(),
        },
    );

    let events = configure(&mut pbx, C::DeleteUser("u-sam".into()));

    assert_eq!(types(&events), ["userLogout", "agentLogout"]);
    assert!(!pbx.users().contains_key("sam"));
    assert_eq!(
        pbx.extensions()["1101"].user,
        None,
        "the extension stays, unmanaged"
    );
}

#[test]
fn taking_the_full_license_away_ends_what_would_go_silent() {
    let mut pbx = provisioned();
    apply(
        &mut pbx,
        Command::AgentLogin {
            queue: "support".into(),
            extension: "1101".into(),
        },
    );
    let mut basic = UserConfig {
        id: Some("u-sam".into()),
        license: License::Basic,
        ..UserConfig::new("sam", "Sam S")
    };
    basic.password = None;

    let events = configure(&mut pbx, C::UpdateUser(basic));

    assert_eq!(types(&events), ["agentLogout"]);
    assert!(!pbx.is_agent("support", "1101"));
    assert!(
        pbx.live_get(&[
            "coreServers",
            "getByName",
            "default",
            "extensions",
            "e-1101"
        ])
        .is_err(),
        "an unlicensed user's extension is hidden"
    );
}

#[test]
fn refused_changes_change_nothing() {
    let mut pbx = provisioned();
    let before = pbx.clone();
    let refusals = [
        C::CreateExtension(ExtensionConfig::new("1101", "again")),
        C::CreateUser(UserConfig::new("sam", "again")),
        C::CreateUser(UserConfig {
            id: Some("u-sam".into()),
            ..UserConfig::new("other", "Other")
        }),
        C::DeleteUser("nobody".into()),
        C::SetManagingUser {
            extension: "e-1101".into(),
            user: Some("nobody".into()),
        },
        C::CreateQueue(QueueConfig::new("support", "again")),
        C::RemovePhoneNumber {
            user: "u-sam".into(),
            id: "none".into(),
        },
    ];
    for change in refusals {
        assert!(pbx.configure(&change).is_err(), "{change:?} was accepted");
        assert_eq!(pbx, before, "{change:?} changed something");
    }
    assert_eq!(
        pbx.configure(&C::CreateExtension(ExtensionConfig::new("1101", "x")))
            .unwrap_err(),
        DirectoryError::Conflict("extension `1101` already exists".into())
    );
}

#[test]
fn the_directory_reads_back_and_rebuilds_the_same() {
    let pbx = provisioned();
    let saved = pbx.directory();

    let rebuilt = Pbx::new(saved.clone(), 99, Profile::Standard).expect("accepted");

    assert_eq!(rebuilt.directory(), saved);
    assert_eq!(rebuilt.users()["sam"].id, "u-sam", "kept ids stay");
    assert_eq!(
        rebuilt.users()["dana"].id,
        pbx.users()["dana"].configuration_id,
        "a scenario object loaded back keeps its configuration id"
    );
}

#[test]
fn a_restart_directory_of_an_unchanged_model_is_the_one_it_was_built_from() {
    let built = Pbx::new(office(), 7, Profile::Standard).unwrap();
    assert_eq!(built.restart_directory(), office());
}

#[test]
fn the_directory_has_documented_bounds() {
    use isymphony_sim::model::ParkingLot;
    use isymphony_sim::model::directory::{MAX_CONTACT_ENTRIES, MAX_OBJECTS_PER_KIND};

    let mut pbx = provisioned();
    for n in 0..MAX_CONTACT_ENTRIES {
        let phone = C::AddPhoneNumber {
            user: "u-sam".into(),
            id: None,
            kind: "Cell".into(),
            number: format!("555{n:04}"),
        };
        configure(&mut pbx, phone);
    }
    let one_more = C::AddPhoneNumber {
        user: "u-sam".into(),
        id: None,
        kind: "Cell".into(),
        number: "5559999".into(),
    };
    let before = pbx.clone();
    assert!(matches!(
        pbx.configure(&one_more),
        Err(DirectoryError::Conflict(_))
    ));
    assert_eq!(
        pbx, before,
        "refused at the bound, nothing changed (no id drawn)"
    );

    for n in 0..MAX_OBJECTS_PER_KIND {
        let lot = ParkingLot {
            identifier: format!("lot-{n}"),
            ..ParkingLot::default()
        };
        configure(
            &mut pbx,
            C::CreateParkingLot {
                id: Some(format!("lot-{n}")),
                lot,
            },
        );
    }
    let lot = ParkingLot {
        identifier: "one-more".into(),
        ..ParkingLot::default()
    };
    let err = pbx
        .configure(&C::CreateParkingLot { id: None, lot })
        .unwrap_err();
    assert!(err.to_string().contains("the most it accepts"), "{err}");
}
