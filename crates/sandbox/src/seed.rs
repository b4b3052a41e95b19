//! The demo organisation: a deterministic OpenText Exstream customer with business units in
//! three regions, employees, partners of several vendors, service accounts, the Exstream roles
//! as groups, and the demo admins.
//!
//! Everything comes from fixed RNG seeds, so two sandboxes (or a sandbox and a test reading
//! this module's documented users) agree on ids, names and memberships.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// The business units, by region.
pub const BUSINESS_UNITS: &[&str] =
    &["EMEA/DE", "EMEA/FR", "EMEA/UK", "EMEA/NL", "AMER/US", "AMER/BR", "AMER/CA", "APAC/IN", "APAC/JP", "APAC/AU"];

pub const ROLES: &[&str] = &[
    "Exstream Content Author",
    "Compliance Reviewer",
    "Production Operator",
    "Template Designer",
    "Exstream Administrator",
    "Customer Data Reader",
];

/// What the organisation allows for a role when it is granted for a time (DESIGN.md's grant
/// model): privileged roles need a second admin's approval and stay away from partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolePolicy {
    pub sensitivity: &'static str,
    pub partner_allowed: bool,
    pub max_grant_days: i64,
    pub needs_approval: bool,
}

/// The policy of each of [`ROLES`], by index.
pub const ROLE_POLICIES: &[RolePolicy] = &[
    RolePolicy { sensitivity: "low", partner_allowed: true, max_grant_days: 90, needs_approval: false },
    RolePolicy { sensitivity: "medium", partner_allowed: false, max_grant_days: 180, needs_approval: false },
    RolePolicy { sensitivity: "medium", partner_allowed: true, max_grant_days: 90, needs_approval: false },
    RolePolicy { sensitivity: "low", partner_allowed: true, max_grant_days: 180, needs_approval: false },
    RolePolicy { sensitivity: "high", partner_allowed: false, max_grant_days: 30, needs_approval: true },
    RolePolicy { sensitivity: "high", partner_allowed: false, max_grant_days: 30, needs_approval: true },
];

/// Administrative capabilities each role confers in Exstream (by index of [`ROLES`]): only an
/// admin holding them may hand the role out (no escalation).
pub const ROLE_CONFERS: &[&[&str]] = &[&[], &[], &[], &[], &["manage-users", "manage-roles"], &[]];

/// Pairs of roles (indexes of [`ROLES`]) one person must not hold together, and why.
pub const SEPARATION_OF_DUTIES: &[(usize, usize, &str)] = &[
    (0, 1, "authors of customer communications may not also approve them for compliance"),
    (3, 2, "who designs a template may not also release it to production"),
];

/// Roles created later through SCIM carry no policy of their own: treat them as ordinary.
pub const DEFAULT_ROLE_POLICY: RolePolicy =
    RolePolicy { sensitivity: "low", partner_allowed: true, max_grant_days: 365, needs_approval: false };

/// The policy of the role whose group has this id.
pub fn role_policy(group_id: &str) -> RolePolicy {
    (0..ROLES.len()).find(|&i| role_group_id(i) == group_id).map_or(DEFAULT_ROLE_POLICY, |i| ROLE_POLICIES[i])
}

/// A demo admin: a SCIM user who can also sign in, with the admin context of their tokens.
pub struct DemoAdmin {
    pub user_name: &'static str,
    pub given: &'static str,
    pub family: &'static str,
    pub division: &'static str,
    pub bu_scopes: &'static [&'static str],
    pub capabilities: &'static [&'static str],
}

const ALL_CAPABILITIES: &[&str] =
    &["manage-users", "manage-roles", "issue-grants", "approve-grants", "review", "audit"];

pub const DEMO_ADMINS: &[DemoAdmin] = &[
    DemoAdmin {
        user_name: "ada.emea",
        given: "Ada",
        family: "Lindqvist",
        division: "EMEA/DE",
        bu_scopes: &["EMEA"],
        capabilities: ALL_CAPABILITIES,
    },
    DemoAdmin {
        user_name: "ravi.apac",
        given: "Ravi",
        family: "Subramanian",
        division: "APAC/IN",
        bu_scopes: &["APAC/IN"],
        capabilities: &["manage-users", "manage-roles", "issue-grants"],
    },
    DemoAdmin {
        user_name: "paula.partners",
        given: "Paula",
        family: "Ferreira",
        division: "AMER/US",
        bu_scopes: &["AMER"],
        capabilities: &["issue-grants"],
    },
    DemoAdmin {
        user_name: "cora.compliance",
        given: "Cora",
        family: "Dubois",
        division: "EMEA/FR",
        bu_scopes: &["EMEA"],
        capabilities: &["review", "audit"],
    },
    DemoAdmin {
        user_name: "gina.global",
        given: "Gina",
        family: "Okafor",
        division: "EMEA/UK",
        bu_scopes: &["EMEA", "AMER", "APAC"],
        capabilities: ALL_CAPABILITIES,
    },
];

/// The password of every demo admin, shown on the sign-in page.
pub const DEMO_PASSWORD: &str = "demo";

pub fn demo_admin(user_name: &str) -> Option<&'static DemoAdmin> {
    DEMO_ADMINS.iter().find(|a| a.user_name.eq_ignore_ascii_case(user_name))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    Employee,
    Partner,
    Service,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Employee => "Employee",
            UserType::Partner => "Partner",
            UserType::Service => "Service",
        }
    }
}

/// A seeded user before it becomes a SCIM resource.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub id: String,
    pub user_name: String,
    pub given: String,
    pub family: String,
    pub division: String,
    pub user_type: UserType,
    pub organization: String,
    pub department: String,
    pub title: String,
    pub email: String,
    pub employee_number: Option<String>,
    pub active: bool,
    /// Indexes into [`ROLES`].
    pub roles: Vec<usize>,
}

pub const CUSTOMER_ORGANIZATION: &str = "Northwind Insurance Group";

/// Documented users that tests may rely on (stable across releases of the seed).
pub const KNOWN_USERS: &[(&str, &str, &str)] = &[
    ("anna.schmidt", "Anna", "Schmidt"),
    ("priya.raman", "Priya", "Raman"),
    ("lucas.martin", "Lucas", "Martin"),
    ("emily.clarke", "Emily", "Clarke"),
    ("michael.johnson", "Michael", "Johnson"),
    ("ana.souza", "Ana", "Souza"),
    ("hiroshi.tanaka", "Hiroshi", "Tanaka"),
];
const KNOWN_DIVISIONS: &[&str] = &["EMEA/DE", "APAC/IN", "EMEA/FR", "EMEA/UK", "AMER/US", "AMER/BR", "APAC/JP"];

fn names_for(bu: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match bu {
        "EMEA/DE" => (
            &[
                "Lukas",
                "Sophie",
                "Jonas",
                "Lea",
                "Felix",
                "Hannah",
                "Maximilian",
                "Marie",
                "Tobias",
                "Katharina",
                "Stefan",
                "Julia",
                "Matthias",
                "Sabine",
            ],
            &[
                "Müller",
                "Schneider",
                "Fischer",
                "Weber",
                "Meyer",
                "Wagner",
                "Becker",
                "Hoffmann",
                "Schäfer",
                "Koch",
                "Richter",
                "Klein",
                "Wolf",
                "Neumann",
            ],
        ),
        "EMEA/FR" => (
            &[
                "Camille", "Louis", "Chloé", "Hugo", "Manon", "Jules", "Inès", "Théo", "Élodie", "Antoine", "Margaux",
                "Nicolas",
            ],
            &[
                "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
                "Laurent", "Lefèvre",
            ],
        ),
        "EMEA/UK" => (
            &[
                "Oliver",
                "Amelia",
                "George",
                "Isla",
                "Harry",
                "Ava",
                "Jack",
                "Mia",
                "Charlotte",
                "William",
                "Grace",
                "Thomas",
            ],
            &[
                "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Davies", "Roberts", "Walker",
                "Wright", "Hughes",
            ],
        ),
        "EMEA/NL" => (
            &["Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Finn", "Sanne", "Bram", "Lotte"],
            &["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos"],
        ),
        "AMER/US" => (
            &[
                "James", "Olivia", "Ethan", "Madison", "Daniel", "Sophia", "Tyler", "Ashley", "Brandon", "Jessica",
                "Marcus", "Rachel", "Kevin", "Laura",
            ],
            &[
                "Johnson",
                "Miller",
                "Davis",
                "Garcia",
                "Rodriguez",
                "Martinez",
                "Anderson",
                "Thompson",
                "Moore",
                "Jackson",
                "Lee",
                "Harris",
                "Clark",
                "Lewis",
            ],
        ),
        "AMER/BR" => (
            &["Gabriel", "Larissa", "Rafael", "Beatriz", "Mateus", "Fernanda", "Thiago", "Juliana", "Bruno", "Camila"],
            &[
                "Silva",
                "Santos",
                "Oliveira",
                "Pereira",
                "Costa",
                "Rodrigues",
                "Almeida",
                "Nascimento",
                "Lima",
                "Carvalho",
            ],
        ),
        "AMER/CA" => (
            &["Liam", "Chloe", "Noah", "Emma", "Étienne", "Avery", "Owen", "Maude", "Ryan", "Megan"],
            &["Tremblay", "Gagnon", "Roy", "MacDonald", "Côté", "Bouchard", "Campbell", "Gauthier", "Morin", "Fraser"],
        ),
        "APAC/IN" => (
            &[
                "Aarav",
                "Ananya",
                "Vikram",
                "Kavya",
                "Rohan",
                "Sneha",
                "Arjun",
                "Divya",
                "Karthik",
                "Meera",
                "Siddharth",
                "Lakshmi",
            ],
            &[
                "Sharma",
                "Iyer",
                "Patel",
                "Reddy",
                "Nair",
                "Gupta",
                "Menon",
                "Krishnan",
                "Desai",
                "Joshi",
                "Chatterjee",
                "Rao",
            ],
        ),
        "APAC/JP" => (
            &["Haruto", "Yui", "Sota", "Aoi", "Ren", "Sakura", "Takumi", "Hina", "Kenji", "Yuki"],
            &["Sato", "Suzuki", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato", "Yoshida"],
        ),
        _ => (
            &["Jack", "Charlotte", "Lachlan", "Matilda", "Cooper", "Ruby", "Mei", "Wei", "Sienna", "Hamish"],
            &["Nguyen", "Kelly", "Ryan", "Murphy", "Chen", "Wong", "Mitchell", "Campbell", "Stewart", "Walsh"],
        ),
    }
}

const DEPARTMENTS: &[(&str, &[&str])] = &[
    (
        "Customer Communications",
        &["Communications Specialist", "Content Author", "Senior Content Author", "Communications Lead"],
    ),
    ("Document Production", &["Production Operator", "Print Production Lead", "Output Management Engineer"]),
    ("Compliance", &["Compliance Analyst", "Regulatory Reviewer", "Compliance Manager"]),
    ("Template Engineering", &["Template Designer", "Senior Template Designer", "Exstream Developer"]),
    ("IT Operations", &["Platform Engineer", "Exstream Administrator", "Site Reliability Engineer"]),
    ("Claims Services", &["Claims Correspondence Analyst", "Data Steward", "Business Analyst"]),
];

/// Vendor organisations that partners come from, with the roles their people typically hold.
const VENDORS: &[(&str, &str, &[usize])] = &[
    ("Rheinland Print & Mail GmbH", "rheinland-print.example", &[2]),
    ("Atelier Lumière Design", "atelier-lumiere.example", &[3, 0]),
    ("Crescent Digital Agency", "crescent-agency.example", &[0]),
    ("Pacific Document Services", "pacificdocs.example", &[2, 5]),
    ("Bluegate Contract Designers", "bluegate-design.example", &[3]),
    ("Sao Paulo Grafica Ltda", "spgrafica.example", &[2]),
];

fn department_roles(department: &str) -> &'static [usize] {
    match department {
        "Customer Communications" => &[0],
        "Document Production" => &[2],
        "Compliance" => &[1],
        "Template Engineering" => &[3, 0],
        "IT Operations" => &[4, 2],
        _ => &[5],
    }
}

fn ascii_login(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let mapped = match c {
            'ä' => "ae",
            'ö' => "oe",
            'ü' => "ue",
            'ß' => "ss",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'ô' => "o",
            'ç' => "c",
            'î' | 'ï' => "i",
            ' ' | '\'' => "",
            c if c.is_ascii_alphanumeric() || c == '-' => {
                out.push(c);
                continue;
            }
            _ => "",
        };
        out.push_str(mapped);
    }
    out
}

/// A deterministic UUID-shaped id from the seed RNG, so ids are stable across runs.
pub fn seeded_id(rng: &mut StdRng) -> String {
    let bytes: [u8; 16] = rng.gen();
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

fn country_domain(bu: &str) -> &'static str {
    match bu.split('/').nth(1).unwrap_or("") {
        "DE" => "de",
        "FR" => "fr",
        "UK" => "co.uk",
        "NL" => "nl",
        "BR" => "com.br",
        "CA" => "ca",
        "IN" => "in",
        "JP" => "jp",
        "AU" => "com.au",
        _ => "com",
    }
}

/// The hand-made demo organisation (≈ 260 users). Deterministic.
pub fn demo_organisation() -> Vec<SeedUser> {
    let mut rng = StdRng::seed_from_u64(0x00B4_1111);
    let mut users: Vec<SeedUser> = Vec::new();
    let mut taken = std::collections::HashSet::new();
    let mut employee_number = 100_000u32;

    let mut push_employee = |rng: &mut StdRng,
                             users: &mut Vec<SeedUser>,
                             given: &str,
                             family: &str,
                             bu: &str,
                             fixed_dept: Option<usize>| {
        let base = format!("{}.{}", ascii_login(given), ascii_login(family));
        let mut user_name = base.clone();
        let mut n = 2;
        while !taken.insert(user_name.clone()) {
            user_name = format!("{base}{n}");
            n += 1;
        }
        let dept_index = fixed_dept.unwrap_or_else(|| rng.gen_range(0..DEPARTMENTS.len()));
        let (department, titles) = DEPARTMENTS[dept_index];
        let title = titles[rng.gen_range(0..titles.len())];
        let mut roles: Vec<usize> =
            department_roles(department).iter().copied().filter(|_| rng.gen_bool(0.8)).collect();
        if rng.gen_bool(0.15) {
            roles.push(5);
        }
        roles.sort_unstable();
        roles.dedup();
        employee_number += rng.gen_range(1..40);
        users.push(SeedUser {
            id: seeded_id(rng),
            email: format!("{user_name}@northwind-insurance.{}", country_domain(bu)),
            user_name,
            given: given.to_owned(),
            family: family.to_owned(),
            division: bu.to_owned(),
            user_type: UserType::Employee,
            organization: CUSTOMER_ORGANIZATION.to_owned(),
            department: department.to_owned(),
            title: title.to_owned(),
            employee_number: Some(employee_number.to_string()),
            active: rng.gen_bool(0.96),
            roles,
        });
    };

    for (i, (_, given, family)) in KNOWN_USERS.iter().enumerate() {
        push_employee(&mut rng, &mut users, given, family, KNOWN_DIVISIONS[i], Some(0));
        if let Some(last) = users.last_mut() {
            last.active = true;
            last.roles = vec![0];
        }
    }
    for admin in DEMO_ADMINS {
        push_employee(&mut rng, &mut users, admin.given, admin.family, admin.division, Some(4));
        if let Some(last) = users.last_mut() {
            last.user_name = admin.user_name.to_owned();
            last.email = format!("{}@northwind-insurance.{}", admin.user_name, country_domain(admin.division));
            last.title = "Identity Administrator".to_owned();
            last.active = true;
            last.roles = vec![4];
        }
    }

    for bu in BUSINESS_UNITS {
        let (givens, families) = names_for(bu);
        let count =
            if bu.starts_with("APAC/AU") || bu.starts_with("AMER/CA") || bu.starts_with("EMEA/NL") { 12 } else { 24 };
        for _ in 0..count {
            let given = givens[rng.gen_range(0..givens.len())];
            let family = families[rng.gen_range(0..families.len())];
            push_employee(&mut rng, &mut users, given, family, bu, None);
        }
    }

    // Partners: a few people per vendor, placed in the BUs that contract the vendor.
    for (v, (vendor, domain, roles)) in VENDORS.iter().enumerate() {
        let home_bus: &[&str] = match v {
            0 => &["EMEA/DE", "EMEA/NL"],
            1 => &["EMEA/FR"],
            2 => &["EMEA/UK", "AMER/US"],
            3 => &["APAC/AU", "APAC/JP", "APAC/IN"],
            4 => &["AMER/US", "AMER/CA"],
            _ => &["AMER/BR"],
        };
        for k in 0..6 {
            let bu = home_bus[k % home_bus.len()];
            let (givens, families) = names_for(bu);
            let given = givens[rng.gen_range(0..givens.len())];
            let family = families[rng.gen_range(0..families.len())];
            let base = format!("{}.{}.ext", ascii_login(given), ascii_login(family));
            let mut user_name = base.clone();
            let mut n = 2;
            while !taken.insert(user_name.clone()) {
                user_name = format!("{base}{n}");
                n += 1;
            }
            users.push(SeedUser {
                id: seeded_id(&mut rng),
                email: format!("{}.{}@{domain}", ascii_login(given), ascii_login(family)),
                user_name,
                given: given.to_owned(),
                family: family.to_owned(),
                division: bu.to_owned(),
                user_type: UserType::Partner,
                organization: (*vendor).to_owned(),
                department: "External".to_owned(),
                title: ["Print Coordinator", "Contract Designer", "Account Manager", "Production Specialist"]
                    [rng.gen_range(0..4)]
                .to_owned(),
                employee_number: None,
                active: true,
                roles: roles.iter().copied().filter(|_| rng.gen_bool(0.85)).collect(),
            });
        }
    }

    // Service accounts: batch runners, API integrations and data feeds per country.
    for bu in BUSINESS_UNITS {
        let country = bu.split('/').nth(1).unwrap_or("xx").to_ascii_lowercase();
        for (purpose, title, roles) in [
            ("exstream-batch", "Exstream batch engine", &[2usize, 5][..]),
            ("exstream-api", "Exstream on-demand API", &[5usize][..]),
            ("crm-feed", "CRM data feed", &[5usize][..]),
        ] {
            let user_name = format!("svc-{purpose}-{country}");
            taken.insert(user_name.clone());
            users.push(SeedUser {
                id: seeded_id(&mut rng),
                email: format!("{user_name}@northwind-insurance.{}", country_domain(bu)),
                given: String::new(),
                family: String::new(),
                user_name,
                division: (*bu).to_owned(),
                user_type: UserType::Service,
                organization: CUSTOMER_ORGANIZATION.to_owned(),
                department: "IT Operations".to_owned(),
                title: title.to_owned(),
                employee_number: None,
                active: true,
                roles: roles.to_vec(),
            });
        }
    }
    users
}

/// `count` synthetic users spread over the BUs, deterministic in their index, so the same
/// index always yields the same user (re-seeding is idempotent).
pub fn synthetic_user(index: usize) -> SeedUser {
    let mut rng = StdRng::seed_from_u64(0x5EED_0000_0000 + index as u64);
    let bu = BUSINESS_UNITS[index % BUSINESS_UNITS.len()];
    let (givens, families) = names_for(bu);
    let given = *givens.choose(&mut rng).unwrap_or(&"Alex");
    let family = *families.choose(&mut rng).unwrap_or(&"Doe");
    let user_name = format!("{}.{}.{index:07}", ascii_login(given), ascii_login(family));
    let dept_index = rng.gen_range(0..DEPARTMENTS.len());
    let (department, titles) = DEPARTMENTS[dept_index];
    SeedUser {
        id: seeded_id(&mut rng),
        email: format!("{user_name}@northwind-insurance.{}", country_domain(bu)),
        user_name,
        given: given.to_owned(),
        family: family.to_owned(),
        division: bu.to_owned(),
        user_type: UserType::Employee,
        organization: CUSTOMER_ORGANIZATION.to_owned(),
        department: department.to_owned(),
        title: titles[rng.gen_range(0..titles.len())].to_owned(),
        employee_number: Some(format!("S{index:07}")),
        active: true,
        roles: Vec::new(),
    }
}

/// Group ids are derived from the role name so they are stable too.
pub fn role_group_id(role_index: usize) -> String {
    let mut rng = StdRng::seed_from_u64(0x6120_0000 + role_index as u64);
    seeded_id(&mut rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_organisation_is_deterministic_and_large_enough() {
        let a = demo_organisation();
        let b = demo_organisation();
        assert!(a.len() >= 200, "the issue asks for at least 200 users, got {}", a.len());
        assert_eq!(a.iter().map(|u| &u.id).collect::<Vec<_>>(), b.iter().map(|u| &u.id).collect::<Vec<_>>());
        let names: std::collections::HashSet<_> = a.iter().map(|u| u.user_name.as_str()).collect();
        assert_eq!(names.len(), a.len(), "userNames are unique");
        for expected in ["anna.schmidt", "priya.raman", "ada.emea", "ravi.apac", "svc-exstream-batch-de"] {
            assert!(names.contains(expected), "{expected} is documented and must exist");
        }
        assert!(a.iter().any(|u| u.user_type == UserType::Partner));
        let vendors: std::collections::HashSet<_> =
            a.iter().filter(|u| u.user_type == UserType::Partner).map(|u| u.organization.as_str()).collect();
        assert!(vendors.len() >= 3, "partners come from several vendors");
    }

    #[test]
    fn synthetic_users_depend_only_on_their_index() {
        assert_eq!(synthetic_user(42).id, synthetic_user(42).id);
        assert_ne!(synthetic_user(42).user_name, synthetic_user(43).user_name);
    }
}
