//! Reading a whole file with a size cap. Configuration files (instruments,
//! policies, map files, keys) are read whole into memory; without a cap,
//! `/dev/zero` or an endless pipe given as one grows memory until the
//! machine gives out.

use std::io::Read as _;
use std::path::Path;

use anyhow::bail;

/// The most psyscreen reads of one configuration file. The largest built-in
/// instrument is about 20 KB; 16 MB leaves room for any real file.
pub const CONFIG_LIMIT: u64 = 16 * 1024 * 1024;

/// Read all of `path`, refusing anything over `limit` bytes. `what` names
/// the kind of file in errors ("policy file", "key file").
pub fn read_capped(path: &Path, what: &str, limit: u64) -> anyhow::Result<Vec<u8>> {
    let reading = || {
        let shown = path.display();
        crate::messages::tr!("reading {what} {shown}", "读取{what} {shown} 时出错")
    };
    let failed = |e: std::io::Error| {
        let (what, why) = (reading(), crate::messages::io_reason(&e));
        anyhow::anyhow!(crate::messages::tr!("{what}: {why}", "{what}：{why}"))
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    // one byte past the limit tells "exactly at the limit" from "over it"
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > limit {
        let (shown, most) = (path.display(), size(limit));
        bail!(crate::messages::tr!(
            "{what} {shown} is larger than {most}, the most psyscreen reads of a configuration file: is it the right file?",
            "{what} {shown} 大于 {most}，超过 psyscreen 读取配置文件的上限：是不是选错了文件？"
        ));
    }
    Ok(bytes)
}

fn size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_limit_is_read_and_over_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.yaml");
        std::fs::write(&p, "abcd").unwrap();
        assert_eq!(read_capped(&p, "map file", 4).unwrap(), b"abcd");
        let err = read_capped(&p, "map file", 3).unwrap_err().to_string();
        assert!(
            err.starts_with("map file ") && err.contains("is larger than 3 bytes"),
            "{err}"
        );
    }

    #[test]
    fn an_endless_stream_stops_at_the_limit() {
        let err = read_capped(Path::new("/dev/zero"), "policy file", 1024)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/dev/zero is larger than 1024 bytes"), "{err}");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size(CONFIG_LIMIT), "16 MB");
        assert_eq!(size(1000), "1000 bytes");
    }
}
