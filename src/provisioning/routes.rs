//! The one table of the Configuration API (docs/protocol.md §9.2): every resource,
//! its path under the base, and for each method the operation it asks for and
//! whether a real client was seen using it [SEEN S22] or we added it (ours).
//!
//! A path is matched against the rows in order, so a row with a literal segment
//! (`noHash`, `getBySlug`, `voicemailAgents`) comes before one with a parameter in
//! the same place. Unknown paths are 404, known paths with another method 405:
//! nothing falls through to a known resource.

use super::method::Method;

/// One segment of a resource's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    /// This text exactly.
    Lit(&'static str),
    /// The core server's id (`{cs}`).
    CoreServer,
    /// The object's id (`{id}`).
    Id,
    /// A core server slug (`{slug}`).
    Slug,
    /// An agent or voicemail identifier (`{identifier}`).
    Identifier,
    /// A nested object's id: a phone number's or a module license's (`{pid}`).
    Nested,
}

/// Who says a method exists on a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// The FreePBX module uses it [SEEN S22].
    Seen,
    /// Ours: added so every object can be read, listed and removed on its own.
    Ours,
}

use Seg::{CoreServer as Cs, Id, Identifier, Lit, Nested, Slug};

macro_rules! table {
    ($(
        $(#[$doc:meta])*
        $resource:ident [$($seg:expr),*] { $($method:ident => $op:ident $prov:ident),* $(,)? }
    )*) => {
        /// A Configuration API resource: one row of the table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Resource { $( $(#[$doc])* $resource ),* }

        /// What a request asks for: one method of one resource.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum Operation { $($( $op ),*),* }

        impl Resource {
            /// Every resource, in matching order.
            pub const ALL: &'static [Resource] = &[$(Resource::$resource),*];

            /// Its path under the base.
            pub fn segments(self) -> &'static [Seg] {
                match self { $(Resource::$resource => &[$($seg),*]),* }
            }

            /// The methods it answers: the operation each asks for, and who says so.
            pub fn methods(self) -> &'static [(Method, Operation, Provenance)] {
                match self {
                    $(Resource::$resource => &[$((Method::$method, Operation::$op, Provenance::$prov)),*]),*
                }
            }
        }
    };
}

table! {
    /// The server's version.
    Brand [Lit("server"), Lit("brand")] { Get => GetBrand Seen }
    /// Core servers: created by slug.
    CoreServers [Lit("server"), Lit("coreServers")] {
        Post => CreateCoreServer Seen, Get => ListCoreServers Ours,
    }
    /// The core server with a slug (404 when there is none: the client then creates it).
    CoreServerBySlug [Lit("server"), Lit("coreServers"), Lit("getBySlug"), Slug] {
        Get => GetCoreServerBySlug Seen,
    }
    /// The core server's license.
    License [Lit("server"), Lit("coreServers"), Cs, Lit("license")] { Get => GetLicense Seen }
    /// Its module licenses.
    ModuleLicenses [Lit("server"), Lit("coreServers"), Cs, Lit("license"), Lit("moduleLicenses")] {
        Get => ListModuleLicenses Seen,
    }
    /// One module license's properties.
    ModuleLicenseProperties [
        Lit("server"), Lit("coreServers"), Cs, Lit("license"), Lit("moduleLicenses"), Nested,
        Lit("properties")
    ] { Get => ListModuleLicenseProperties Seen }
    /// License activation: the body is the serial key, a JSON string.
    LicenseActivation [Lit("server"), Lit("coreServers"), Cs, Lit("license"), Lit("activate")] {
        Post => ActivateLicense Seen,
    }
    /// One core server.
    CoreServerInstance [Lit("server"), Lit("coreServers"), Cs] {
        Get => GetCoreServer Ours, Put => UpdateCoreServer Ours, Delete => DeleteCoreServer Ours,
    }
    /// Administrators.
    Administrators [Lit("server"), Lit("administrators")] { Get => ListAdministrators Seen }
    /// Administrator creation with a password the server stores hashed.
    AdministratorsNoHash [Lit("server"), Lit("administrators"), Lit("noHash")] {
        Post => CreateAdministrator Seen,
    }
    /// Administrator update, the same way.
    AdministratorNoHash [Lit("server"), Lit("administrators"), Lit("noHash"), Id] {
        Put => UpdateAdministrator Seen,
    }
    /// One administrator.
    AdministratorInstance [Lit("server"), Lit("administrators"), Id] {
        Delete => DeleteAdministrator Seen, Get => GetAdministrator Ours,
    }
    /// A voicemail agent, by identifier.
    VoicemailAgentInstance [Lit("asterisk"), Lit("voicemailAgents"), Identifier] {
        Get => GetVoicemailAgent Seen, Put => PutVoicemailAgent Seen,
    }
    /// A recording agent, by identifier.
    RecordingAgentInstance [Lit("asterisk"), Lit("recordingAgents"), Identifier] {
        Get => GetRecordingAgent Seen, Put => PutRecordingAgent Seen,
    }
    /// The core server's Asterisk settings.
    AsteriskSettings [Lit("asterisk"), Cs] {
        Get => GetAsteriskSettings Seen, Put => UpdateAsteriskSettings Seen,
    }
    /// Voicemail agent identifiers bound to the core server.
    VoicemailAgentIdentifiers [Lit("asterisk"), Cs, Lit("voicemailAgentIdentifiers")] {
        Get => ListVoicemailAgentIdentifiers Seen, Post => BindVoicemailAgent Seen,
    }
    /// One bound identifier.
    VoicemailAgentIdentifier [Lit("asterisk"), Cs, Lit("voicemailAgentIdentifiers"), Identifier] {
        Delete => UnbindVoicemailAgent Seen,
    }
    /// PBX connections.
    PbxServers [Lit("asterisk"), Cs, Lit("pbxServers")] {
        Get => ListPbxServers Seen, Post => CreatePbxServer Seen,
    }
    /// One PBX connection.
    PbxServerInstance [Lit("asterisk"), Cs, Lit("pbxServers"), Id] {
        Put => UpdatePbxServer Seen, Delete => DeletePbxServer Seen, Get => GetPbxServer Ours,
    }
    /// Extensions.
    Extensions [Lit("asterisk"), Cs, Lit("extensions")] {
        Get => ListExtensions Seen, Post => CreateExtension Seen,
    }
    /// One extension.
    ExtensionInstance [Lit("asterisk"), Cs, Lit("extensions"), Id] {
        Put => UpdateExtension Seen, Delete => DeleteExtension Seen, Get => GetExtension Ours,
    }
    /// The user managing an extension (404 when none).
    ManagingUser [Lit("asterisk"), Cs, Lit("extensions"), Id, Lit("managingUser")] {
        Get => GetManagingUser Seen, Post => SetManagingUser Seen, Delete => ClearManagingUser Seen,
    }
    /// Queues.
    Queues [Lit("asterisk"), Cs, Lit("queues")] {
        Get => ListQueues Seen, Post => CreateQueue Seen,
    }
    /// One queue.
    QueueInstance [Lit("asterisk"), Cs, Lit("queues"), Id] {
        Put => UpdateQueue Seen, Delete => DeleteQueue Seen, Get => GetQueue Ours,
    }
    /// Conference rooms.
    ConferenceRooms [Lit("asterisk"), Cs, Lit("conferenceRooms")] {
        Get => ListConferenceRooms Seen, Post => CreateConferenceRoom Seen,
    }
    /// One conference room.
    ConferenceRoomInstance [Lit("asterisk"), Cs, Lit("conferenceRooms"), Id] {
        Put => UpdateConferenceRoom Seen, Delete => DeleteConferenceRoom Seen,
        Get => GetConferenceRoom Ours,
    }
    /// Parking lots.
    ParkingLots [Lit("asterisk"), Cs, Lit("parkingLots")] {
        Get => ListParkingLots Seen, Post => CreateParkingLot Seen,
    }
    /// One parking lot.
    ParkingLotInstance [Lit("asterisk"), Cs, Lit("parkingLots"), Id] {
        Put => UpdateParkingLot Seen, Delete => DeleteParkingLot Seen, Get => GetParkingLot Ours,
    }
    /// Users.
    Users [Lit("core"), Cs, Lit("users")] { Get => ListUsers Seen }
    /// User creation with a password the server stores hashed.
    UsersNoHash [Lit("core"), Cs, Lit("users"), Lit("noHash")] { Post => CreateUser Seen }
    /// User update, the same way.
    UserNoHash [Lit("core"), Cs, Lit("users"), Lit("noHash"), Id] { Put => UpdateUserNoHash Seen }
    /// One user.
    UserInstance [Lit("core"), Cs, Lit("users"), Id] {
        Put => UpdateUser Seen, Delete => DeleteUser Seen, Get => GetUser Ours,
    }
    /// A user's contact names.
    Contact [Lit("contact"), Cs, Lit("users"), Id] {
        Get => GetContact Seen, Put => UpdateContact Seen,
    }
    /// A user's e-mail addresses.
    EmailAddresses [Lit("contact"), Cs, Lit("users"), Id, Lit("emailAddresses")] {
        Get => ListEmailAddresses Seen, Post => AddEmailAddress Seen,
    }
    /// A user's phone numbers.
    PhoneNumbers [Lit("contact"), Cs, Lit("users"), Id, Lit("phoneNumbers")] {
        Get => ListPhoneNumbers Seen, Post => AddPhoneNumber Seen,
    }
    /// One e-mail address.
    EmailAddressInstance [Lit("contact"), Cs, Lit("users"), Id, Lit("emailAddresses"), Nested] {
        Get => GetEmailAddress Ours, Delete => RemoveEmailAddress Ours,
    }
    /// One phone number.
    PhoneNumberInstance [Lit("contact"), Cs, Lit("users"), Id, Lit("phoneNumbers"), Nested] {
        Delete => RemovePhoneNumber Seen, Get => GetPhoneNumber Ours,
    }
}

/// The values a path gave for its parameters (empty where the resource has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// `{cs}`.
    pub cs: String,
    /// `{id}`.
    pub id: String,
    /// `{slug}`.
    pub slug: String,
    /// `{identifier}`.
    pub identifier: String,
    /// `{pid}`.
    pub nested: String,
}

impl Resource {
    /// The first resource whose path `segments` match, with its parameters.
    pub fn find(segments: &[String]) -> Option<(Resource, Params)> {
        Resource::ALL
            .iter()
            .find_map(|&resource| resource.capture(segments).map(|p| (resource, p)))
    }

    fn capture(self, segments: &[String]) -> Option<Params> {
        let pattern = self.segments();
        if pattern.len() != segments.len() {
            return None;
        }
        let mut params = Params::default();
        for (seg, value) in pattern.iter().zip(segments) {
            let slot = match seg {
                Lit(text) if text == value => continue,
                Lit(_) => return None,
                Cs => &mut params.cs,
                Id => &mut params.id,
                Slug => &mut params.slug,
                Identifier => &mut params.identifier,
                Nested => &mut params.nested,
            };
            if value.is_empty() {
                return None;
            }
            slot.clone_from(value);
        }
        Some(params)
    }

    /// Its path as the documentation writes it: `asterisk/{cs}/extensions/{id}`.
    pub fn template(self) -> String {
        let parts: Vec<&str> = self
            .segments()
            .iter()
            .map(|seg| match seg {
                Lit(text) => text,
                Cs => "{cs}",
                Id => "{id}",
                Slug => "{slug}",
                Identifier => "{identifier}",
                Nested => "{pid}",
            })
            .collect();
        parts.join("/")
    }

    /// The operation `method` asks of it, if it answers `method`.
    pub fn operation(self, method: Method) -> Option<Operation> {
        self.methods()
            .iter()
            .find(|(m, _, _)| *m == method)
            .map(|(_, op, _)| *op)
    }
}
