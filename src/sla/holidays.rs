//! German public holidays per federal state, computed for any year
//! (Gregorian calendar; the state-specific rules as they hold since 1990,
//! with the changes of 2017, 2018, 2019 and 2023 dated).
//!
//! Chosen deliberately, because a calendar is per state and not per
//! municipality (docs/workflows.md):
//! - Fronleichnam counts in BW, BY, HE, NW, RP and SL; the Catholic
//!   municipalities of Saxony and Thuringia where it is also a holiday are
//!   not covered (a client there adds it as a closure).
//! - Mariä Himmelfahrt counts in SL only; in Bavaria it is a holiday in the
//!   Catholic municipalities (most of them), not everywhere, so BY gets it
//!   as a closure when the client's office is in one.
//! - The Augsburger Hohes Friedensfest (Augsburg city only) is not covered.
//! - Ostersonntag and Pfingstsonntag are statutory in Brandenburg and are
//!   listed there (they matter only to calendars open on Sundays).

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A German federal state, by its usual two-letter code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(as = GermanState)]
pub enum State {
    BW,
    BY,
    BE,
    BB,
    HB,
    HH,
    HE,
    MV,
    NI,
    NW,
    RP,
    SL,
    SN,
    ST,
    SH,
    TH,
}

impl State {
    pub const ALL: [State; 16] = [
        State::BW,
        State::BY,
        State::BE,
        State::BB,
        State::HB,
        State::HH,
        State::HE,
        State::MV,
        State::NI,
        State::NW,
        State::RP,
        State::SL,
        State::SN,
        State::ST,
        State::SH,
        State::TH,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::BW => "BW",
            State::BY => "BY",
            State::BE => "BE",
            State::BB => "BB",
            State::HB => "HB",
            State::HH => "HH",
            State::HE => "HE",
            State::MV => "MV",
            State::NI => "NI",
            State::NW => "NW",
            State::RP => "RP",
            State::SL => "SL",
            State::SN => "SN",
            State::ST => "ST",
            State::SH => "SH",
            State::TH => "TH",
        }
    }

    pub fn parse(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == code)
    }
}

/// One public holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub date: NaiveDate,
    /// The German name ("Karfreitag").
    pub name: &'static str,
}

/// Easter Sunday of `year` (Gregorian), by the anonymous Gregorian
/// algorithm as given by Meeus ("Astronomical Algorithms", ch. 8).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // Month is 3 or 4 and day 1..=31 by construction.
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or(NaiveDate::MIN)
}

/// Buß- und Bettag: the last Wednesday before 23 November.
pub fn buss_und_bettag(year: i32) -> NaiveDate {
    let mut day = ymd(year, 11, 22);
    while day.weekday() != Weekday::Wed {
        day -= Duration::days(1);
    }
    day
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The public holidays of `state` in `year`, in date order.
pub fn holidays(year: i32, state: State) -> Vec<Holiday> {
    use State::*;
    let easter = easter_sunday(year);
    let after_easter = |days: i64| easter + Duration::days(days);
    let mut out = Vec::with_capacity(16);
    let mut add = |date: NaiveDate, name: &'static str| out.push(Holiday { date, name });

    add(ymd(year, 1, 1), "Neujahr");
    if matches!(state, BW | BY | ST) {
        add(ymd(year, 1, 6), "Heilige Drei Könige");
    }
    if (state == BE && year >= 2019) || (state == MV && year >= 2023) {
        add(ymd(year, 3, 8), "Internationaler Frauentag");
    }
    add(after_easter(-2), "Karfreitag");
    if state == BB {
        add(easter, "Ostersonntag");
    }
    add(after_easter(1), "Ostermontag");
    add(ymd(year, 5, 1), "Tag der Arbeit");
    // One-off: the 75th and 80th anniversaries of the war's end, Berlin only.
    if state == BE && (year == 2020 || year == 2025) {
        add(ymd(year, 5, 8), "Tag der Befreiung");
    }
    add(after_easter(39), "Christi Himmelfahrt");
    if state == BB {
        add(after_easter(49), "Pfingstsonntag");
    }
    add(after_easter(50), "Pfingstmontag");
    if matches!(state, BW | BY | HE | NW | RP | SL) {
        add(after_easter(60), "Fronleichnam");
    }
    if state == SL {
        add(ymd(year, 8, 15), "Mariä Himmelfahrt");
    }
    if state == TH && year >= 2019 {
        add(ymd(year, 9, 20), "Weltkindertag");
    }
    add(ymd(year, 10, 3), "Tag der Deutschen Einheit");
    let reformation = match state {
        BB | MV | SN | ST | TH => true,
        HB | HH | NI | SH => year >= 2018,
        _ => false,
    } || year == 2017;
    if reformation {
        add(ymd(year, 10, 31), "Reformationstag");
    }
    if matches!(state, BW | BY | NW | RP | SL) {
        add(ymd(year, 11, 1), "Allerheiligen");
    }
    if state == SN {
        add(buss_und_bettag(year), "Buß- und Bettag");
    }
    add(ymd(year, 12, 25), "1. Weihnachtstag");
    add(ymd(year, 12, 26), "2. Weihnachtstag");
    out.sort_by_key(|h| h.date);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        ymd(y, m, day)
    }

    fn has(year: i32, state: State, date: NaiveDate, name: &str) -> bool {
        holidays(year, state)
            .iter()
            .any(|h| h.date == date && h.name == name)
    }

    #[test]
    fn easter_matches_published_dates() {
        // From church calendars; 1818 and 2285 are the earliest possible
        // (22 March), 1943 and 2038 the latest (25 April).
        for (y, m, day) in [
            (1818, 3, 22),
            (1943, 4, 25),
            (1990, 4, 15),
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2017, 4, 16),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(y), d(y, m, day), "Easter {y}");
        }
    }

    #[test]
    fn easter_is_always_a_sunday_in_its_window() {
        for y in 1583..=4099 {
            let e = easter_sunday(y);
            assert_eq!(e.weekday(), Weekday::Sun, "{y}");
            assert!(e >= d(y, 3, 22) && e <= d(y, 4, 25), "{y}: {e}");
        }
    }

    #[test]
    fn buss_und_bettag_falls_between_16_and_22_november() {
        // 2024: 23 Nov is a Saturday → the Wednesday before is the 20th.
        assert_eq!(buss_und_bettag(2024), d(2024, 11, 20));
        // 2025: 23 Nov is a Sunday → Wednesday the 19th.
        assert_eq!(buss_und_bettag(2025), d(2025, 11, 19));
        // 2022: 23 Nov is itself a Wednesday → the one before, the 16th.
        assert_eq!(buss_und_bettag(2022), d(2022, 11, 16));
        for y in 1990..2200 {
            let b = buss_und_bettag(y);
            assert_eq!(b.weekday(), Weekday::Wed);
            assert!(b >= d(y, 11, 16) && b <= d(y, 11, 22));
        }
    }

    #[test]
    fn the_nine_nationwide_holidays_hold_in_every_state() {
        for state in State::ALL {
            let h = holidays(2026, state);
            for (date, name) in [
                (d(2026, 1, 1), "Neujahr"),
                (d(2026, 4, 3), "Karfreitag"), // Easter 5 April 2026
                (d(2026, 4, 6), "Ostermontag"),
                (d(2026, 5, 1), "Tag der Arbeit"),
                (d(2026, 5, 14), "Christi Himmelfahrt"), // +39
                (d(2026, 5, 25), "Pfingstmontag"),       // +50
                (d(2026, 10, 3), "Tag der Deutschen Einheit"),
                (d(2026, 12, 25), "1. Weihnachtstag"),
                (d(2026, 12, 26), "2. Weihnachtstag"),
            ] {
                assert!(
                    h.iter().any(|x| x.date == date && x.name == name),
                    "{name} in {}",
                    state.as_str()
                );
            }
        }
    }

    #[test]
    fn regional_holidays_by_state() {
        use State::*;
        let in_states = |year: i32, date: NaiveDate, name: &str| -> Vec<State> {
            State::ALL
                .into_iter()
                .filter(|s| has(year, *s, date, name))
                .collect()
        };
        assert_eq!(
            in_states(2026, d(2026, 1, 6), "Heilige Drei Könige"),
            vec![BW, BY, ST]
        );
        // Fronleichnam 2026: Easter 5 April + 60 = 4 June.
        assert_eq!(
            in_states(2026, d(2026, 6, 4), "Fronleichnam"),
            vec![BW, BY, HE, NW, RP, SL]
        );
        assert_eq!(
            in_states(2026, d(2026, 8, 15), "Mariä Himmelfahrt"),
            vec![SL]
        );
        assert_eq!(
            in_states(2026, d(2026, 11, 1), "Allerheiligen"),
            vec![BW, BY, NW, RP, SL]
        );
        assert_eq!(
            in_states(2026, d(2026, 11, 18), "Buß- und Bettag"),
            vec![SN]
        );
        assert_eq!(
            in_states(2026, d(2026, 10, 31), "Reformationstag"),
            vec![BB, HB, HH, MV, NI, SN, ST, SH, TH]
        );
        // Before 2018 the four northern states did not have it ...
        assert_eq!(
            in_states(2016, d(2016, 10, 31), "Reformationstag"),
            vec![BB, MV, SN, ST, TH]
        );
        // ... and in 2017 (500 years) every state did.
        assert_eq!(
            in_states(2017, d(2017, 10, 31), "Reformationstag").len(),
            16
        );
        assert_eq!(
            in_states(2026, d(2026, 3, 8), "Internationaler Frauentag"),
            vec![BE, MV]
        );
        assert_eq!(
            in_states(2022, d(2022, 3, 8), "Internationaler Frauentag"),
            vec![BE]
        );
        assert!(in_states(2018, d(2018, 3, 8), "Internationaler Frauentag").is_empty());
        assert_eq!(in_states(2026, d(2026, 9, 20), "Weltkindertag"), vec![TH]);
        assert!(in_states(2018, d(2018, 9, 20), "Weltkindertag").is_empty());
        assert_eq!(
            in_states(2025, d(2025, 5, 8), "Tag der Befreiung"),
            vec![BE]
        );
        assert!(in_states(2026, d(2026, 5, 8), "Tag der Befreiung").is_empty());
    }

    #[test]
    fn counts_per_state_in_2026() {
        use State::*;
        // Nine nationwide days plus the state's own (2026, no one-offs).
        let expected = [
            (BW, 12), // + Drei Könige, Fronleichnam, Allerheiligen
            (BY, 12), // same as BW
            (BE, 10), // + Frauentag
            (BB, 12), // + Ostersonntag, Pfingstsonntag, Reformationstag
            (HB, 10),
            (HH, 10),
            (HE, 10), // + Fronleichnam
            (MV, 11), // + Frauentag, Reformationstag
            (NI, 10),
            (NW, 11), // + Fronleichnam, Allerheiligen
            (RP, 11),
            (SL, 12), // + Fronleichnam, Mariä Himmelfahrt, Allerheiligen
            (SN, 11), // + Reformationstag, Buß- und Bettag
            (ST, 11), // + Drei Könige, Reformationstag
            (SH, 10),
            (TH, 11), // + Weltkindertag, Reformationstag
        ];
        for (state, n) in expected {
            assert_eq!(holidays(2026, state).len(), n, "{}", state.as_str());
        }
    }

    #[test]
    fn state_codes_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("XX"), None);
    }
}
