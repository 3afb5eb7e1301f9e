//! A web form's face (issue 17): the client's logo and colour, and the
//! privacy notice a public form needs. Checked here, shown by the public
//! page (`public::handlers`); the colour reaches the page as a stylesheet
//! of its own (`/f/theme.css?c=rrggbb`), the page's CSP allowing no inline
//! style, the logo as a data URL (the CSP allows `data:` images only).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::validation::Invalid;

/// Longest privacy notice, in characters.
pub const MAX_PRIVACY: usize = 4000;
/// Largest logo, in bytes of the image (a data URL is a third longer).
pub const MAX_LOGO_BYTES: usize = 150 * 1024;
const LOGO_TYPES: &[&str] = &["png", "jpeg", "webp", "gif"];

/// `''` or a colour `#rrggbb`, in lower case.
pub fn accent_color(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    hex(value.strip_prefix('#').unwrap_or(""))
        .map(|_| value.to_ascii_lowercase())
        .ok_or_else(|| Invalid::new("accent_color", "must be a colour like #1f5cc4"))
}

/// The three channels of `rrggbb`.
fn hex(digits: &str) -> Option<[u8; 3]> {
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// `''` or a data URL of a PNG, JPEG, WebP or GIF image of at most
/// [`MAX_LOGO_BYTES`]; SVG is refused (it may carry scripts and links).
pub fn logo(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    let bad = || {
        Invalid::new(
            "logo",
            "must be a PNG, JPEG, WebP or GIF image as a data URL",
        )
    };
    let rest = value.strip_prefix("data:image/").ok_or_else(bad)?;
    let (kind, data) = rest.split_once(";base64,").ok_or_else(bad)?;
    if !LOGO_TYPES.contains(&kind) {
        return Err(bad());
    }
    if data.len() > MAX_LOGO_BYTES.div_ceil(3) * 4 {
        return Err(Invalid::new("logo", "must be at most 150 KB"));
    }
    let bytes = STANDARD.decode(data).map_err(|_| bad())?;
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(Invalid::new("logo", "must be at most 150 KB"));
    }
    Ok(format!("data:image/{kind};base64,{data}"))
}

/// The stylesheet of an accent colour `rrggbb` (no `#`): the colour and a
/// text colour that reads on it (dark on light colours, white on dark
/// ones); `None` for anything else.
pub fn theme_css(digits: &str) -> Option<String> {
    let [r, g, b] = hex(digits)?;
    // Relative luminance (WCAG 2), sRGB channels linearised.
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    // Whichever of white (1.0) and the page's dark text (#1d2430, ~0.017)
    // contrasts more with the colour.
    let on_white = 1.05 / (luminance + 0.05);
    let on_dark = (luminance + 0.05) / 0.067;
    let text = if on_white >= on_dark {
        "#fff"
    } else {
        "#1d2430"
    };
    Some(format!(
        ".wf {{ --wf-accent: #{}; --wf-on-accent: {text}; }}\n",
        digits.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_hex_and_get_a_readable_text() {
        assert_eq!(accent_color(" #1F5CC4 ").unwrap(), "#1f5cc4");
        assert_eq!(accent_color("").unwrap(), "");
        for bad in ["1f5cc4", "#1f5cc", "#1f5cc4a", "red", "#gg0000"] {
            assert!(accent_color(bad).is_err(), "{bad}");
        }
        assert!(
            theme_css("1f5cc4")
                .unwrap()
                .contains("--wf-on-accent: #fff")
        );
        assert!(
            theme_css("ffd600")
                .unwrap()
                .contains("--wf-on-accent: #1d2430")
        );
        assert_eq!(theme_css("x;}body{"), None);
    }

    #[test]
    fn a_logo_is_a_small_raster_image() {
        let png = format!("data:image/png;base64,{}", STANDARD.encode(b"\x89PNG\r\n"));
        assert_eq!(logo(&png).unwrap(), png);
        assert_eq!(logo("").unwrap(), "");
        let svg = format!("data:image/svg+xml;base64,{}", STANDARD.encode(b"<svg/>"));
        assert!(logo(&svg).is_err());
        assert!(logo("https://example.com/logo.png").is_err());
        assert!(logo("data:image/png;base64,!!!").is_err());
        let big = format!(
            "data:image/png;base64,{}",
            STANDARD.encode(vec![0u8; MAX_LOGO_BYTES + 1])
        );
        assert!(logo(&big).is_err());
    }
}
