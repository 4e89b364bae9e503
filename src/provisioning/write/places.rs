//! Queues, conference rooms and parking lots.

use super::checks::{not_emptied, parse, required, same_key};
use super::pending::{IdSlot, Pending, created, deleted, shown};
use crate::model::{DirectoryChange as C, ParkingLot, Pbx, QueueConfig, RoomConfig};
use crate::provisioning::read::{core, queue_of, room_of};
use crate::provisioning::reply::Reply;
use crate::provisioning::routes::{Params, Resource as R};
use crate::provisioning::wire::{PlaceWire, QueueWire};

/// A new queue: `identifier` required; `displayName` defaults to it, `enabled` to true.
pub fn create_queue(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    let wire = parse(bytes, QueueWire::parse)?;
    let identifier = required(&wire.identifier, "identifier")?;
    let mut config = QueueConfig {
        id: wire.id.clone(),
        ..QueueConfig::new(&identifier, &identifier)
    };
    wire.apply(&mut config);
    Ok(created(
        C::CreateQueue(config),
        R::QueueInstance,
        p,
        IdSlot::Id,
    ))
}

pub fn update_queue(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    let mut config = queue_of(pbx, p)?.config();
    let wire = parse(bytes, QueueWire::parse)?;
    same_key(&wire.id, &p.id, "id")?;
    wire.apply(&mut config);
    not_emptied(&config.identifier, "identifier")?;
    Ok(shown(C::UpdateQueue(config), R::QueueInstance, p))
}

pub fn delete_queue(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    queue_of(pbx, p)?;
    Ok(deleted(C::DeleteQueue(p.id.clone())))
}

/// A new room: `identifier` required; `name` and `destinationExtension` (the number
/// dialed to join) default to it.
pub fn create_room(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    let wire = parse(bytes, PlaceWire::parse)?;
    let identifier = required(&wire.identifier, "identifier")?;
    let mut config = RoomConfig {
        id: wire.id.clone(),
        ..RoomConfig::new(&identifier, &identifier, &identifier)
    };
    wire.apply_room(&mut config);
    Ok(created(
        C::CreateRoom(config),
        R::ConferenceRoomInstance,
        p,
        IdSlot::Id,
    ))
}

pub fn update_room(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    let mut config = room_of(pbx, p)?.config();
    let wire = parse(bytes, PlaceWire::parse)?;
    same_key(&wire.id, &p.id, "id")?;
    wire.apply_room(&mut config);
    not_emptied(&config.identifier, "identifier")?;
    Ok(shown(C::UpdateRoom(config), R::ConferenceRoomInstance, p))
}

pub fn delete_room(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    room_of(pbx, p)?;
    Ok(deleted(C::DeleteRoom(p.id.clone())))
}

/// A new parking lot: `identifier` required; `name` defaults to it. The FreePBX
/// module sends no `id` here [SEEN S22]: one is drawn.
pub fn create_parking_lot(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    let wire = parse(bytes, PlaceWire::parse)?;
    let identifier = required(&wire.identifier, "identifier")?;
    let mut lot = ParkingLot {
        name: identifier.clone(),
        identifier,
        ..ParkingLot::default()
    };
    wire.apply_lot(&mut lot);
    let change = C::CreateParkingLot {
        id: wire.id.clone(),
        lot,
    };
    Ok(created(change, R::ParkingLotInstance, p, IdSlot::Id))
}

pub fn update_parking_lot(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    let Some(current) = pbx.parking_lots().get(&p.id) else {
        return Err(Reply::not_found(format!(
            "no parking lot has id `{}`",
            p.id
        )));
    };
    let mut lot = current.clone();
    let wire = parse(bytes, PlaceWire::parse)?;
    same_key(&wire.id, &p.id, "id")?;
    wire.apply_lot(&mut lot);
    not_emptied(&lot.identifier, "identifier")?;
    Ok(shown(C::UpdateParkingLot(lot), R::ParkingLotInstance, p))
}

pub fn delete_parking_lot(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    Ok(deleted(C::DeleteParkingLot(p.id.clone())))
}
