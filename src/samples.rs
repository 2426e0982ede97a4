//! The sample reports shipped with jixiao (samples/, written for the project), compiled in so that
//! `jixiao demo` works from any folder.

/// (file name, bytes) of each sample report.
pub const SAMPLES: &[(&str, &[u8])] = &[
    ("cuiping_gongan_2023.txt", include_bytes!("../samples/cuiping_gongan_2023.txt")),
    ("pingyao_jiaoyu_2021.txt", include_bytes!("../samples/pingyao_jiaoyu_2021.txt")),
    ("pingyao_jiaoyu_2022.txt", include_bytes!("../samples/pingyao_jiaoyu_2022.txt")),
    ("pingyao_jiaoyu_2023.txt", include_bytes!("../samples/pingyao_jiaoyu_2023.txt")),
    ("tonglu_shuili_2022.txt", include_bytes!("../samples/tonglu_shuili_2022.txt")),
    ("tonglu_shuili_2023.txt", include_bytes!("../samples/tonglu_shuili_2023.txt")),
    ("tonglu_shuili_xiangmu_2023.txt", include_bytes!("../samples/tonglu_shuili_xiangmu_2023.txt")),
];
