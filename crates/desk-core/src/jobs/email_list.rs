//! A list of recipients pasted or loaded by the user: CSV or TSV in, a checked list out.
//!
//! Shop assistants bring lists from Excel (`;` in much of Europe), Google Sheets (`,`) or a copy
//! from a web page (tab), with or without a header, sometimes with a BOM. Everything here is
//! about reading that without asking them what a delimiter is, and showing every problem before
//! anything is sent.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::api::validate;
use crate::api::words::{Plain, Words};
use crate::jobs::error::ListError;
use crate::kept_words::as_written;

/// More rows than this is almost certainly the wrong file, and would make one job run for days.
pub const MAX_ROWS: usize = 100_000;

/// How many rows a preview carries to the window; the counts always cover the whole list.
pub const PREVIEW_ROWS: usize = 500;

/// Records looked at to guess the delimiter and the e-mail column of a list without a header.
const SAMPLE_RECORDS: usize = 20;

const DELIMITERS: [u8; 3] = [b'\t', b';', b','];

/// Which column holds what, 0-based. `None`: the list has no such column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnMapping {
    pub email: Option<usize>,
    pub first_name: Option<usize>,
    pub last_name: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowProblem {
    MissingEmail,
    InvalidEmail,
    Duplicate,
}

/// One data row of the list. `row` counts data rows from 1; a header line is not counted, so row 1
/// is the first recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailListRow {
    pub row: usize,
    /// Trimmed; as written in the file when it is not a valid address.
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub problem: Option<RowProblem>,
    pub problem_text: Option<Words>,
    /// For a duplicate: the row that is kept.
    pub duplicate_of: Option<usize>,
}

impl EmailListRow {
    pub fn is_sendable(&self) -> bool {
        self.problem.is_none()
    }
}

/// The whole list after reading and checking; the app words it for the window's preview (use
/// [`EmailList::preview`] to cap the rows sent there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailList {
    pub delimiter: char,
    pub has_header: bool,
    /// The header's names, or "Column 1", "Column 2", ... when the list has none.
    pub headers: Vec<Words>,
    pub mapping: ColumnMapping,
    pub total: usize,
    pub valid: usize,
    /// Rows without an address or with an address that is not valid.
    pub invalid: usize,
    pub duplicates: usize,
    pub rows: Vec<EmailListRow>,
}

impl EmailList {
    /// Reads `text` (a whole CSV/TSV file). `mapping`: the user's choice of columns; `None` guesses
    /// it from the header or, without one, from where the addresses are.
    pub fn parse(text: &str, mapping: Option<ColumnMapping>) -> Result<EmailList, ListError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(ListError::Empty);
        }
        let delimiter = detect_delimiter(text);
        let mut records = read_records(text, delimiter)?;
        if records.is_empty() {
            return Err(ListError::Empty);
        }
        let has_header = !records[0].iter().any(|field| looks_like_address(field));
        let header = if has_header {
            Some(records.remove(0))
        } else {
            None
        };
        if records.is_empty() {
            return Err(ListError::NoRows);
        }
        if records.len() > MAX_ROWS {
            return Err(ListError::TooManyRows { limit: MAX_ROWS });
        }
        let columns = records
            .iter()
            .chain(header.iter())
            .map(Vec::len)
            .max()
            .unwrap_or(0);
        let headers: Vec<Words> = (0..columns)
            .map(|i| match header.as_ref().and_then(|h| h.get(i)) {
                Some(name) if !name.is_empty() => as_written(name),
                _ => Words::with("job.list.columnN", &[("n", &Plain(i + 1))]),
            })
            .collect();

        let mapping = match mapping {
            Some(chosen) => {
                check_mapping(&chosen, columns)?;
                chosen
            }
            None => guess_mapping(header.as_deref(), &records),
        };
        let email_column = mapping.email.ok_or(if has_header {
            ListError::NoEmailColumn
        } else {
            ListError::NoAddressesFound
        })?;

        let mut list = EmailList {
            delimiter: delimiter as char,
            has_header,
            headers,
            mapping,
            total: records.len(),
            valid: 0,
            invalid: 0,
            duplicates: 0,
            rows: Vec::with_capacity(records.len()),
        };
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        for (index, record) in records.iter().enumerate() {
            let row = index + 1;
            let field = |column: Option<usize>| -> Option<String> {
                column
                    .and_then(|c| record.get(c))
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            let raw_email = field(Some(email_column)).unwrap_or_default();
            let mut entry = EmailListRow {
                row,
                email: raw_email.clone(),
                first_name: field(mapping.first_name),
                last_name: field(mapping.last_name),
                problem: None,
                problem_text: None,
                duplicate_of: None,
            };
            if raw_email.is_empty() {
                entry.problem = Some(RowProblem::MissingEmail);
                entry.problem_text = Some(Words::new("job.list.noAddressOnRow"));
                list.invalid += 1;
            } else {
                match validate::email_address(&raw_email) {
                    Err(problem) => {
                        entry.problem = Some(RowProblem::InvalidEmail);
                        entry.problem_text = Some(problem.message);
                        list.invalid += 1;
                    }
                    Ok(address) => {
                        let key = address.to_lowercase();
                        entry.email = address;
                        if let Some(&first) = first_seen.get(&key) {
                            entry.problem = Some(RowProblem::Duplicate);
                            entry.problem_text = Some(Words::with(
                                "job.list.duplicateOf",
                                &[("row", &Plain(first))],
                            ));
                            entry.duplicate_of = Some(first);
                            list.duplicates += 1;
                        } else {
                            first_seen.insert(key, row);
                            list.valid += 1;
                        }
                    }
                }
            }
            list.rows.push(entry);
        }
        Ok(list)
    }

    /// The same list with at most `max_rows` rows, for showing in the window.
    pub fn preview(&self, max_rows: usize) -> EmailList {
        EmailList {
            rows: self.rows.iter().take(max_rows).cloned().collect(),
            headers: self.headers.clone(),
            ..*self
        }
    }
}

/// A list to save and fill in: the header the parser maps by itself and two example rows.
/// `header` is in the window's language (the parser knows the words of all five), made of
/// [`template_header`].
pub fn template_csv(header: &str) -> String {
    format!(
        "{header}\r\n\
         anna.peeters@example.com,Anna,Peeters\r\n\
         tom.janssens@example.com,Tom,Janssens\r\n"
    )
}

/// The words of the template's header line.
pub fn template_header() -> Words {
    Words::new("job.list.templateHeader")
}

/// Picks the delimiter that splits the first records into the same number (> 1) of fields most
/// often; quotes are respected because the csv reader does the splitting. A list of bare
/// addresses (one column) falls back to `,`.
fn detect_delimiter(text: &str) -> u8 {
    let mut best: Option<(u8, (usize, usize))> = None;
    for delimiter in DELIMITERS {
        let counts: Vec<usize> = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .filter_map(Result::ok)
            .filter(|r| r.iter().any(|f| !f.trim().is_empty()))
            .take(SAMPLE_RECORDS)
            .map(|r| r.len())
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first < 2 {
            continue;
        }
        // Score: how many sampled records agree with the first one's field count, then how many
        // fields that is. Ties keep the earlier candidate (tab, then `;`, then `,`), because a tab
        // or `;` inside a name is rarer than a comma ("Peeters, Anna").
        let agreeing = counts.iter().filter(|&&c| c == first).count();
        let score = (agreeing, first);
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((delimiter, score));
        }
    }
    best.map(|(d, _)| d).unwrap_or(b',')
}

fn read_records(text: &str, delimiter: u8) -> Result<Vec<Vec<String>>, ListError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (index, result) in reader.records().enumerate() {
        let record = result.map_err(|_| ListError::Unreadable { record: index + 1 })?;
        // Spreadsheets export trailing rows of empty cells (";;;"); they are not recipients.
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        records.push(record.iter().map(|f| f.trim().to_string()).collect());
        // Stop reading early so a huge wrong file is refused without holding it all.
        if records.len() > MAX_ROWS + 1 {
            break;
        }
    }
    Ok(records)
}

fn looks_like_address(field: &str) -> bool {
    let field = field.trim();
    field.contains('@') && validate::email_address(field).is_ok()
}

fn check_mapping(mapping: &ColumnMapping, columns: usize) -> Result<(), ListError> {
    for column in [mapping.email, mapping.first_name, mapping.last_name]
        .into_iter()
        .flatten()
    {
        if column >= columns {
            return Err(ListError::NoSuchColumn {
                column: column + 1,
                columns,
            });
        }
    }
    Ok(())
}

fn guess_mapping(header: Option<&[String]>, records: &[Vec<String>]) -> ColumnMapping {
    match header {
        Some(names) => mapping_from_header(names),
        None => ColumnMapping {
            email: column_with_most_addresses(records),
            first_name: None,
            last_name: None,
        },
    }
}

/// Header words for the e-mail column in English, Dutch, French, German and Spanish, already
/// normalised (lower case, no accents, letters and digits only).
const EMAIL_NAMES: &[&str] = &[
    "email",
    "mail",
    "emailaddress",
    "mailaddress",
    "emailadres",
    "mailadres",
    "emailadresse",
    "mailadresse",
    "courriel",
    "adressecourriel",
    "adresseemail",
    "adressemail",
    "adresseelectronique",
    "correo",
    "correoelectronico",
    "email1",
    "emails",
    "recipient",
];
const EMAIL_PARTS: &[&str] = &["email", "mail", "courriel", "correo"];

const FIRST_NAME_NAMES: &[&str] = &[
    "firstname",
    "first",
    "givenname",
    "forename",
    "fname",
    "voornaam",
    "roepnaam",
    "prenom",
    "vorname",
    "nombre",
    "nombrepila",
    "primernombre",
];
const FIRST_NAME_PARTS: &[&str] = &["firstname", "givenname", "voornaam", "prenom", "vorname"];

const LAST_NAME_NAMES: &[&str] = &[
    "lastname",
    "last",
    "surname",
    "familyname",
    "lname",
    "achternaam",
    "familienaam",
    "nom",
    "nomdefamille",
    "nachname",
    "familienname",
    "apellido",
    "apellidos",
];
const LAST_NAME_PARTS: &[&str] = &[
    "lastname",
    "surname",
    "familyname",
    "achternaam",
    "nachname",
    "apellido",
];

fn mapping_from_header(names: &[String]) -> ColumnMapping {
    let normalised: Vec<String> = names.iter().map(|n| normalise_header(n)).collect();
    let find = |exact: &[&str], parts: &[&str], taken: &[Option<usize>]| -> Option<usize> {
        let free = |i: &usize| !taken.contains(&Some(*i));
        normalised
            .iter()
            .enumerate()
            .find(|(i, n)| free(i) && exact.contains(&n.as_str()))
            .or_else(|| {
                normalised
                    .iter()
                    .enumerate()
                    .find(|(i, n)| free(i) && parts.iter().any(|p| n.contains(p)))
            })
            .map(|(i, _)| i)
    };
    let email = find(EMAIL_NAMES, EMAIL_PARTS, &[]);
    let first_name = find(FIRST_NAME_NAMES, FIRST_NAME_PARTS, &[email]);
    let last_name = find(LAST_NAME_NAMES, LAST_NAME_PARTS, &[email, first_name]);
    ColumnMapping {
        email,
        first_name,
        last_name,
    }
}

/// "E-mail adres", "Prénom", "first_name" → "emailadres", "prenom", "firstname".
fn normalise_header(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            other => other,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Without a header: the column where most of the first records hold an address.
fn column_with_most_addresses(records: &[Vec<String>]) -> Option<usize> {
    let mut hits: HashMap<usize, usize> = HashMap::new();
    for record in records.iter().take(SAMPLE_RECORDS) {
        for (column, field) in record.iter().enumerate() {
            if looks_like_address(field) {
                *hits.entry(column).or_default() += 1;
            }
        }
    }
    hits.into_iter()
        .max_by_key(|&(column, count)| (count, std::cmp::Reverse(column)))
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::words::Explain;

    fn parse(text: &str) -> EmailList {
        EmailList::parse(text, None).unwrap()
    }

    #[test]
    fn detects_comma_semicolon_and_tab() {
        let comma = parse("email,first name\nann@example.com,Ann\nbob@example.com,Bob\n");
        assert_eq!(comma.delimiter, ',');
        let semi = parse("e-mail;voornaam\nann@example.com;Ann\nbob@example.com;Bob\n");
        assert_eq!(semi.delimiter, ';');
        let tab = parse("Email\tFirst name\nann@example.com\tAnn\n");
        assert_eq!(tab.delimiter, '\t');
        assert_eq!(tab.rows[0].first_name.as_deref(), Some("Ann"));
    }

    #[test]
    fn quoted_fields_may_hold_the_delimiter() {
        // The commas inside quotes must not make `,` look inconsistent, nor split the name.
        let text = "email;name\n\"ann@example.com\";\"Peeters; Ann\"\nbob@example.com;Bob\n";
        let list = parse(text);
        assert_eq!(list.delimiter, ';');
        let text =
            "email,last name,first name\nann@example.com,\"Peeters, de\",Ann\nbob@example.com,Smith,Bob\n";
        let list = parse(text);
        assert_eq!(list.delimiter, ',');
        assert_eq!(list.rows[0].last_name.as_deref(), Some("Peeters, de"));
        assert_eq!(list.rows[0].first_name.as_deref(), Some("Ann"));
    }

    #[test]
    fn a_name_with_a_comma_does_not_beat_a_consistent_semicolon() {
        let text =
            "email;name\nann@example.com;Peeters, Ann\nbob@example.com;Bob\ncid@example.com;Cid\n";
        assert_eq!(parse(text).delimiter, ';');
    }

    #[test]
    fn strips_the_bom_and_crlf() {
        let list = parse("\u{feff}Email;Prénom;Nom\r\nann@example.com;Ann;Peeters\r\n");
        assert!(list.has_header);
        assert_eq!(
            list.headers,
            vec![as_written("Email"), as_written("Prénom"), as_written("Nom")]
        );
        assert_eq!(
            list.mapping,
            ColumnMapping {
                email: Some(0),
                first_name: Some(1),
                last_name: Some(2)
            }
        );
        assert_eq!(list.rows[0].email, "ann@example.com");
    }

    #[test]
    fn a_bare_list_of_addresses_has_no_header() {
        let list = parse("ann@example.com\nbob@example.com\n\n");
        assert!(!list.has_header);
        assert_eq!(
            list.headers,
            vec![Words::with("job.list.columnN", &[("n", &Plain(1))])]
        );
        assert_eq!(list.mapping.email, Some(0));
        assert_eq!(list.total, 2);
        assert_eq!(list.valid, 2);
    }

    #[test]
    fn without_a_header_the_address_column_is_found_by_content() {
        let list = parse("Ann;ann@example.com\nBob;bob@example.com\n");
        assert!(!list.has_header);
        assert_eq!(list.mapping.email, Some(1));
        assert_eq!(list.rows[1].email, "bob@example.com");
    }

    #[test]
    fn maps_headers_in_five_languages() {
        let cases = [
            ("Email address,First name,Last name", [0, 1, 2]),
            ("Voornaam;Achternaam;E-mailadres", [2, 0, 1]),
            ("Nom;Prénom;Courriel", [2, 1, 0]),
            ("Vorname;Nachname;E-Mail-Adresse", [2, 0, 1]),
            ("Nombre;Apellidos;Correo electrónico", [2, 0, 1]),
            ("first_name,last_name,EMAIL", [2, 0, 1]),
        ];
        for (header, [email, first, last]) in cases {
            let example = if header.contains(';') {
                "a;b;c"
            } else {
                "a,b,c"
            };
            let text = format!("{header}\n{example}\n");
            let list = EmailList::parse(&text, None).unwrap();
            assert_eq!(
                list.mapping,
                ColumnMapping {
                    email: Some(email),
                    first_name: Some(first),
                    last_name: Some(last)
                },
                "header {header:?}"
            );
        }
    }

    #[test]
    fn explicit_mapping_wins_and_is_checked() {
        let text = "a;b;c\nAnn;Peeters;ann@example.com\n";
        let mapping = ColumnMapping {
            email: Some(2),
            first_name: Some(0),
            last_name: Some(1),
        };
        let list = EmailList::parse(text, Some(mapping)).unwrap();
        assert_eq!(list.mapping, mapping);
        assert_eq!(list.rows[0].email, "ann@example.com");
        assert_eq!(list.rows[0].last_name.as_deref(), Some("Peeters"));
        let bad = ColumnMapping {
            email: Some(5),
            ..mapping
        };
        assert!(matches!(
            EmailList::parse(text, Some(bad)),
            Err(ListError::NoSuchColumn {
                column: 6,
                columns: 3
            })
        ));
        let none = ColumnMapping {
            email: None,
            ..mapping
        };
        assert!(matches!(
            EmailList::parse(text, Some(none)),
            Err(ListError::NoEmailColumn)
        ));
    }

    #[test]
    fn header_without_an_email_column_is_refused_in_plain_words() {
        let err = EmailList::parse("name;city\nAnn;Gent\n", None).unwrap_err();
        assert!(matches!(err, ListError::NoEmailColumn));
        assert!(err.to_string().contains("e-mail"));
        assert_eq!(err.words().1.key, "job.list.noEmailColumn.hint");
    }

    #[test]
    fn flags_missing_invalid_and_duplicate_addresses() {
        let text = "email,first name\n\
                    ann@example.com,Ann\n\
                    ,Nobody\n\
                    not-an-address,Bad\n\
                    \" ANN@Example.com \",Ann again\n\
                    bob@example.com,Bob\n\
                    bob@example.com,Bob again\n";
        let list = parse(text);
        assert_eq!(
            (list.total, list.valid, list.invalid, list.duplicates),
            (6, 2, 2, 2)
        );
        let problems: Vec<_> = list.rows.iter().map(|r| r.problem).collect();
        assert_eq!(
            problems,
            vec![
                None,
                Some(RowProblem::MissingEmail),
                Some(RowProblem::InvalidEmail),
                Some(RowProblem::Duplicate),
                None,
                Some(RowProblem::Duplicate)
            ]
        );
        assert_eq!(list.rows[3].duplicate_of, Some(1));
        assert_eq!(
            list.rows[3].problem_text,
            Some(Words::with("job.list.duplicateOf", &[("row", &Plain(1))]))
        );
        assert_eq!(list.rows[5].duplicate_of, Some(5));
        assert!(list.rows[2]
            .problem_text
            .as_ref()
            .is_some_and(|t| t.key.starts_with("field.email")));
    }

    #[test]
    fn refuses_empty_text_header_only_and_too_many_rows() {
        assert!(matches!(EmailList::parse("", None), Err(ListError::Empty)));
        assert!(matches!(
            EmailList::parse("\u{feff}  \n\n", None),
            Err(ListError::Empty)
        ));
        assert!(matches!(
            EmailList::parse("email;name\n", None),
            Err(ListError::NoRows)
        ));
        let mut big = String::from("email\n");
        for i in 0..=MAX_ROWS {
            big.push_str(&format!("u{i}@example.com\n"));
        }
        assert!(matches!(
            EmailList::parse(&big, None),
            Err(ListError::TooManyRows { .. })
        ));
    }
}
