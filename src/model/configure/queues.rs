//! Queues, conference rooms and parking lots: the places a call can be sent to.

use super::ending::Memberships;
use super::{room_for, unknown};
use crate::model::build;
use crate::model::change::DirectoryError;
use crate::model::directory::{ParkingLot, QueueConfig, RoomConfig};
use crate::model::pbx::Pbx;
use crate::protocol::EventBody;

impl Pbx {
    /// The identifier of the queue with this configuration id.
    pub(crate) fn queue_identifier_of(&self, id: &str) -> Result<String, DirectoryError> {
        self.queues
            .values()
            .find(|q| q.configuration_id == id)
            .map(|q| q.identifier.clone())
            .ok_or_else(|| unknown("queue", id))
    }

    /// The identifier of the conference room with this configuration id.
    pub(crate) fn room_identifier_of(&self, id: &str) -> Result<String, DirectoryError> {
        self.rooms
            .values()
            .find(|r| r.configuration_id == id)
            .map(|r| r.identifier.clone())
            .ok_or_else(|| unknown("conference room", id))
    }

    fn queue_id_taken(&self, id: &str) -> bool {
        self.queues
            .values()
            .any(|q| q.id == id || q.configuration_id == id)
    }

    fn room_id_taken(&self, id: &str) -> bool {
        self.rooms
            .values()
            .any(|r| r.id == id || r.configuration_id == id)
    }

    pub(super) fn create_queue(&mut self, queue: &QueueConfig) -> Result<String, DirectoryError> {
        self.require_core_server()?;
        room_for(self.queues.len(), "queue")?;
        if self.queues.contains_key(&queue.identifier) {
            return Err(taken("queue", &queue.identifier));
        }
        if let Some(number) = queue
            .static_agents
            .iter()
            .find(|n| !self.extensions.contains_key(*n))
        {
            return Err(DirectoryError::Invalid(format!(
                "static agent `{number}` is not a configured extension"
            )));
        }
        let id = self.new_id(queue.id.as_ref(), "queue", Pbx::queue_id_taken)?;
        let seq = self.next_seq();
        let live = build::queue(queue, (id.clone(), id.clone()), &mut self.ids, seq);
        self.queues.insert(queue.identifier.clone(), live);
        Ok(id)
    }

    pub(super) fn update_queue(
        &mut self,
        queue: &QueueConfig,
        out: &mut Vec<EventBody>,
    ) -> Result<(), DirectoryError> {
        let id = queue.id.clone().unwrap_or_default();
        let old = self.queue_identifier_of(&id)?;
        let new = queue.identifier.clone();
        if old != new && self.queues.contains_key(&new) {
            return Err(taken("queue", &new));
        }
        let disabled = self.queues.get(&old).is_some_and(|q| q.enabled) && !queue.enabled;
        if disabled {
            self.end_queue_activity(&old, Memberships::Dynamic, out);
        }
        let Some(mut live) = self.queues.remove(&old) else {
            return Err(unknown("queue", &id));
        };
        live.identifier = new.clone();
        live.name = queue.name.clone();
        live.enabled = queue.enabled;
        live.destination_extension = queue.destination_extension.clone();
        live.routing = queue.routing.clone();
        self.queues.insert(new.clone(), live);
        if old != new {
            // Waiting callers wait on: the queue is the same object.
            for segment in self.segments.values_mut() {
                if segment.queue.as_deref() == Some(old.as_str()) {
                    segment.queue = Some(new.clone());
                }
            }
        }
        Ok(())
    }

    pub(super) fn delete_queue(
        &mut self,
        id: &str,
        out: &mut Vec<EventBody>,
    ) -> Result<(), DirectoryError> {
        let identifier = self.queue_identifier_of(id)?;
        self.end_queue_activity(&identifier, Memberships::Every, out);
        self.queues.remove(&identifier);
        Ok(())
    }

    pub(super) fn create_room(&mut self, room: &RoomConfig) -> Result<String, DirectoryError> {
        self.require_core_server()?;
        room_for(self.rooms.len(), "conference room")?;
        if self.rooms.contains_key(&room.identifier) {
            return Err(taken("conference room", &room.identifier));
        }
        let id = self.new_id(room.id.as_ref(), "conference room", Pbx::room_id_taken)?;
        let seq = self.next_seq();
        let live = build::room(room, (id.clone(), id.clone()), seq);
        self.rooms.insert(room.identifier.clone(), live);
        Ok(id)
    }

    pub(super) fn update_room(&mut self, room: &RoomConfig) -> Result<(), DirectoryError> {
        let id = room.id.clone().unwrap_or_default();
        let old = self.room_identifier_of(&id)?;
        let new = room.identifier.clone();
        if old != new && self.rooms.contains_key(&new) {
            return Err(taken("conference room", &new));
        }
        let Some(mut live) = self.rooms.remove(&old) else {
            return Err(unknown("conference room", &id));
        };
        live.identifier = new.clone();
        live.name = room.name.clone();
        live.dial_string = room.dial_string.clone();
        live.routing = room.routing.clone();
        self.rooms.insert(new.clone(), live);
        if old != new {
            for segment in self.segments.values_mut() {
                if segment.room.as_deref() == Some(old.as_str()) {
                    segment.room = Some(new.clone());
                }
            }
        }
        Ok(())
    }

    pub(super) fn delete_room(
        &mut self,
        id: &str,
        out: &mut Vec<EventBody>,
    ) -> Result<(), DirectoryError> {
        let identifier = self.room_identifier_of(id)?;
        self.end_room_activity(&identifier, out);
        self.rooms.remove(&identifier);
        Ok(())
    }

    pub(super) fn create_parking_lot(
        &mut self,
        id: &Option<String>,
        lot: &ParkingLot,
    ) -> Result<String, DirectoryError> {
        self.require_core_server()?;
        room_for(self.parking_lots.len(), "parking lot")?;
        self.parking_lot_identifier_free(&lot.identifier, None)?;
        let id = self.new_id(id.as_ref(), "parking lot", |pbx, id| {
            pbx.parking_lots.contains_key(id)
        })?;
        self.parking_lots.insert(
            id.clone(),
            ParkingLot {
                id: id.clone(),
                ..lot.clone()
            },
        );
        Ok(id)
    }

    pub(super) fn update_parking_lot(&mut self, lot: &ParkingLot) -> Result<(), DirectoryError> {
        if !self.parking_lots.contains_key(&lot.id) {
            return Err(unknown("parking lot", &lot.id));
        }
        self.parking_lot_identifier_free(&lot.identifier, Some(&lot.id))?;
        self.parking_lots.insert(lot.id.clone(), lot.clone());
        Ok(())
    }

    pub(super) fn delete_parking_lot(&mut self, id: &str) -> Result<(), DirectoryError> {
        self.parking_lots
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| unknown("parking lot", id))
    }

    fn parking_lot_identifier_free(
        &self,
        identifier: &str,
        except: Option<&str>,
    ) -> Result<(), DirectoryError> {
        let clash = self
            .parking_lots
            .values()
            .any(|p| p.identifier == identifier && Some(p.id.as_str()) != except);
        if clash {
            Err(taken("parking lot", identifier))
        } else {
            Ok(())
        }
    }
}

fn taken(noun: &str, identifier: &str) -> DirectoryError {
    DirectoryError::Conflict(format!("a {noun} `{identifier}` already exists"))
}
