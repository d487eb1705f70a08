"""Build ``risk_train.jsonl``: the team-written training set for the shipped risk model.

Every sentence here was written by the Hải Đăng team (no text from third-party
datasets), so the default model may ship with the project. Items are composed from
hand-written templates and slot values with a fixed seed: the file is reproducible
with ``python nlp/data/build_risk_train.py``.

Labels: ``real`` (ordinary reporting with sources, figures and names), ``fake``
(fabricated claims: invented decisions, miracle cures, rumours of disasters, false
sovereignty claims) and ``misleading`` (a true core twisted: old photos as new, a
figure without its context, a headline the text does not support).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

SEED = 20261126
PER_LABEL = {"real": 170, "fake": 110, "misleading": 60}

PLACES = [
    "Phan Thiết", "La Gi", "Mũi Né", "Phú Quý", "Tuy Phong", "Bắc Bình", "Hàm Thuận Bắc",
    "Hàm Thuận Nam", "Hàm Tân", "Tánh Linh", "Đức Linh", "Kê Gà", "Vĩnh Tân", "Lâm Đồng",
]
ORGS = [
    "Sở Khoa học và Công nghệ", "Sở Nông nghiệp và Môi trường", "Sở Văn hóa, Thể thao và Du lịch",
    "UBND tỉnh", "Sở Tài chính", "Ban Quản lý các khu công nghiệp", "Sở Y tế", "Bộ đội Biên phòng tỉnh",
    "Chi cục Thủy sản", "Trung tâm Xúc tiến đầu tư",
]
PRODUCTS = ["thanh long", "nước mắm", "mực một nắng", "hạt điều", "cá khô", "muối Tuy Phong", "nho", "cao su"]
PEOPLE = ["ông Nguyễn Văn Hùng", "bà Trần Thị Mai", "ông Lê Minh Tâm", "bà Phạm Thu Hà", "ông Võ Thanh Sơn", "bà Đặng Ngọc Lan"]
DAYS = ["sáng 12/3", "chiều 5/4", "ngày 18/6", "sáng 2/8", "chiều 21/9", "ngày 9/10", "sáng 14/11", "ngày 27/12"]

REAL = [
    ("{org} tổ chức hội nghị triển khai kế hoạch năm {year}",
     "{day}, {org} tổ chức hội nghị triển khai nhiệm vụ năm {year}. Theo báo cáo, năm qua đơn vị đã hoàn thành {n} trên {m} chỉ tiêu. {person}, Giám đốc, đề nghị các phòng tập trung cải cách thủ tục hành chính và đẩy mạnh chuyển đổi số."),
    ("Xuất khẩu {product} tăng {pct}% trong {months} tháng đầu năm",
     "Theo số liệu của {org}, trong {months} tháng đầu năm, kim ngạch xuất khẩu {product} của địa phương đạt khoảng {money} triệu USD, tăng {pct}% so với cùng kỳ. Thị trường chính vẫn là Trung Quốc, Hàn Quốc và các nước EU. Doanh nghiệp cho biết đơn hàng quý tới ổn định."),
    ("Khai trương tuyến tàu cao tốc mới ra {place}",
     "{day}, tuyến tàu cao tốc nối Phan Thiết với {place} chính thức khai thác. Mỗi chuyến chở tối đa {n}0 khách, thời gian hành trình khoảng {hours} giờ. Đại diện doanh nghiệp vận tải cho biết giá vé được niêm yết công khai tại bến."),
    ("{place} đón hơn {n} nghìn lượt khách dịp lễ",
     "Theo {org}, trong kỳ nghỉ lễ vừa qua, {place} đón hơn {n} nghìn lượt khách, công suất phòng khách sạn đạt khoảng {pct}%. Các điểm tham quan được bố trí lực lượng hướng dẫn, không để xảy ra tình trạng chèo kéo khách."),
    ("Ngư dân {place} được hướng dẫn chống khai thác IUU",
     "{day}, Chi cục Thủy sản phối hợp với Bộ đội Biên phòng tổ chức tuyên truyền về chống khai thác hải sản bất hợp pháp cho {n}0 ngư dân tại {place}. Các chủ tàu được hướng dẫn duy trì thiết bị giám sát hành trình và ghi nhật ký khai thác đầy đủ."),
    ("Hội thảo khoa học về ứng dụng công nghệ trong nông nghiệp",
     "{org} phối hợp với một trường đại học tổ chức hội thảo về ứng dụng công nghệ cao trong sản xuất {product}. Các chuyên gia trình bày {n} báo cáo, trong đó có mô hình tưới tiết kiệm nước đã thử nghiệm tại {place}. Kết quả cho thấy chi phí giảm khoảng {pct}%."),
    ("Cấp giấy chứng nhận đầu tư cho dự án {money} tỷ đồng",
     "{day}, UBND tỉnh trao giấy chứng nhận đăng ký đầu tư cho dự án chế biến {product} tại {place} với tổng vốn {money} tỷ đồng. Dự án dự kiến tạo việc làm cho khoảng {n}00 lao động địa phương và đi vào hoạt động sau {months} tháng xây dựng."),
    ("Lấy ý kiến người dân về quy hoạch khu dân cư ở {place}",
     "{org} thông báo lấy ý kiến cộng đồng về đồ án quy hoạch khu dân cư mới tại {place}. Hồ sơ được niêm yết tại trụ sở xã và trên cổng thông tin điện tử trong {n}0 ngày. Người dân có thể góp ý trực tiếp hoặc qua hộp thư điện tử."),
    ("Cải cách thủ tục hành chính: {pct}% hồ sơ được giải quyết trực tuyến",
     "Báo cáo của {org} cho biết trong quý vừa qua, khoảng {pct}% hồ sơ thủ tục hành chính được tiếp nhận và trả kết quả qua dịch vụ công trực tuyến. Số hồ sơ trễ hạn giảm so với cùng kỳ. Đơn vị tiếp tục rà soát các thủ tục còn vướng mắc."),
    ("Diễn tập phòng chống thiên tai tại {place}",
     "{day}, huyện {place} tổ chức diễn tập ứng phó bão và sơ tán dân ở vùng ven biển với sự tham gia của {n}00 người. Theo ban chỉ huy, các phương án được cập nhật sau mùa mưa bão năm trước."),
    ("Khánh thành nhà văn hóa cộng đồng ở {place}",
     "Công trình có tổng kinh phí {money} tỷ đồng, do ngân sách địa phương và nhân dân cùng đóng góp. {person} cho biết nhà văn hóa sẽ là nơi sinh hoạt, tổ chức lớp học kỹ năng cho thanh thiếu niên trong xã."),
    ("Giá {product} ổn định sau đợt thu hoạch",
     "Khảo sát tại {place} cho thấy giá {product} tuần này dao động quanh mức {n}0 nghìn đồng mỗi kg, tương đương tuần trước. Thương lái cho biết nhu cầu thị trường trong nước tăng nhẹ vào cuối năm."),
    ("Trao học bổng cho học sinh vùng biển {place}",
     "{day}, {org} phối hợp với doanh nghiệp trao {n}0 suất học bổng cho học sinh có hoàn cảnh khó khăn tại {place}. Mỗi suất trị giá {n} triệu đồng kèm sách vở và đồ dùng học tập."),
    ("Kiểm tra an toàn thực phẩm dịp cuối năm",
     "Đoàn kiểm tra liên ngành của {org} đã kiểm tra {n}0 cơ sở kinh doanh thực phẩm tại {place}, phát hiện {n} cơ sở vi phạm về ghi nhãn và xử phạt theo quy định. Đoàn khuyến cáo người dân mua hàng có nguồn gốc rõ ràng."),
    ("Phú Quý đưa vào vận hành hệ thống điện gió mới",
     "Theo đơn vị vận hành, hệ thống bổ sung công suất {n} MW cho lưới điện trên đảo, giúp giảm lượng dầu dùng cho máy phát. Việc vận hành được theo dõi trong {months} tháng trước khi đánh giá hiệu quả."),
    ("Tuyển sinh lớp đào tạo nghề cho lao động nông thôn",
     "{org} thông báo tuyển sinh {n} lớp nghề ngắn hạn về sửa chữa máy nông nghiệp và chế biến {product} tại {place}. Học viên được hỗ trợ học phí theo chính sách hiện hành; thời gian học khoảng {months} tháng."),
    ("Hội nghị xúc tiến đầu tư thu hút {n} doanh nghiệp",
     "Tại hội nghị do {org} tổ chức {day}, đại diện {n} doanh nghiệp trong và ngoài nước đã tìm hiểu cơ hội đầu tư vào năng lượng tái tạo, du lịch và chế biến nông sản. Tỉnh giới thiệu danh mục dự án kêu gọi đầu tư và cam kết hỗ trợ thủ tục."),
    ("Bảo tồn di tích tháp Chăm Pô Sah Inư",
     "{org} cho biết đang lập hồ sơ tu bổ khu di tích tháp Pô Sah Inư ở Phan Thiết. Kinh phí dự kiến {money} tỷ đồng, thực hiện theo ý kiến chuyên môn của cơ quan quản lý di sản. Di tích vẫn mở cửa đón khách trong thời gian khảo sát."),
    ("Mở rộng mạng lưới trạm sạc xe điện tại {place}",
     "Một doanh nghiệp vừa lắp đặt thêm {n} trạm sạc xe điện dọc quốc lộ qua {place}. Theo {person}, nhu cầu sạc tăng mạnh vào cuối tuần khi khách du lịch từ Thành phố Hồ Chí Minh đến."),
    ("Nghiệm thu đề tài khoa học cấp tỉnh về giống {product}",
     "Hội đồng khoa học của {org} đã nghiệm thu đề tài nghiên cứu chọn tạo giống {product} chịu hạn. Nhóm nghiên cứu thử nghiệm trên {n} ha tại {place}, năng suất cao hơn giống cũ khoảng {pct}%. Hội đồng đề nghị mở rộng mô hình."),
    ("Biên phòng {place} phối hợp tìm kiếm ngư dân mất liên lạc",
     "Đồn Biên phòng {place} cho biết đã phối hợp với lực lượng cứu nạn tìm kiếm tàu cá mất liên lạc từ {day}. Sau {hours} giờ, tàu được phát hiện trôi dạt do hỏng máy, {n} thuyền viên an toàn và đã được lai dắt vào bờ."),
    ("Kỷ niệm ngày thành lập tỉnh với nhiều hoạt động văn hóa",
     "Chuỗi hoạt động gồm triển lãm ảnh tư liệu, hội thi văn nghệ quần chúng và giải chạy ven biển diễn ra tại {place}. Ban tổ chức cho biết có khoảng {n} nghìn người tham gia các hoạt động trong {hours} ngày."),
    ("Công bố chỉ số năng lực cạnh tranh cấp tỉnh",
     "Theo kết quả công bố, chỉ số PCI của tỉnh tăng {n} bậc so với năm trước. {org} cho biết sẽ tiếp tục đối thoại định kỳ với doanh nghiệp để tháo gỡ khó khăn về đất đai và thủ tục đầu tư."),
    ("Sửa chữa đường ven biển đoạn qua {place}",
     "{org} cho biết đoạn đường ven biển qua {place} bị sạt lở sẽ được sửa chữa trong {months} tháng với kinh phí khoảng {money} tỷ đồng. Trong thời gian thi công, phương tiện được phân luồng qua đường tỉnh."),
    ("Hội chợ OCOP giới thiệu {n}0 sản phẩm địa phương",
     "Hội chợ diễn ra tại Phan Thiết trong {hours} ngày, giới thiệu các sản phẩm OCOP như {product}, nước mắm và đặc sản biển. {person} cho biết nhiều hợp đồng tiêu thụ đã được ký với hệ thống siêu thị."),
    ("Tiêm chủng mở rộng đạt {pct}% kế hoạch",
     "Theo {org}, chương trình tiêm chủng mở rộng tại {place} đạt khoảng {pct}% kế hoạch năm. Ngành y tế khuyến cáo phụ huynh đưa trẻ đi tiêm đúng lịch và theo dõi sức khỏe sau tiêm theo hướng dẫn của cán bộ y tế."),
    ("Tổng kết mùa vụ {product}: sản lượng tương đương năm trước",
     "Báo cáo của {org} cho thấy sản lượng {product} năm nay ước đạt tương đương năm trước, dù thời tiết khô hạn kéo dài ở {place}. Nông dân được khuyến cáo áp dụng quy trình sản xuất an toàn để đáp ứng yêu cầu xuất khẩu."),
    ("Ra mắt ứng dụng tra cứu thủ tục hành chính",
     "{org} vừa đưa vào sử dụng ứng dụng trên điện thoại giúp người dân tra cứu tình trạng hồ sơ. Trong giai đoạn đầu, ứng dụng hỗ trợ {n}0 thủ tục phổ biến; phản hồi của người dân được tổng hợp để cải tiến."),
    ("Tàu kiểm ngư tuần tra, hỗ trợ ngư dân trên biển",
     "Theo Chi cục Thủy sản, trong tháng qua tàu kiểm ngư đã tuần tra {n} chuyến trên vùng biển Phú Quý, nhắc nhở các tàu cá tuân thủ quy định về vùng khai thác. Không phát hiện tàu cá địa phương vi phạm vùng biển nước ngoài."),
    ("Thanh niên tình nguyện dọn rác bãi biển {place}",
     "Khoảng {n}00 đoàn viên thanh niên tham gia làm sạch bãi biển {place} {day}. Ban tổ chức thu gom được hơn {n} tấn rác, chủ yếu là nhựa dùng một lần, và phát động phong trào hạn chế túi ni lông."),
]

FAKE = [
    ("SỐC: {place} sắp bị xóa tên khỏi bản đồ, dân phải di dời hết",
     "Tin nóng đang lan truyền: toàn bộ người dân {place} sẽ phải di dời trước cuối tháng vì một dự án bí mật. Không cơ quan nào dám công bố, ai có người thân ở đây hãy chia sẻ ngay trước khi bài bị gỡ!!!"),
    ("Chấn động: uống nước ép {product} chữa khỏi ung thư 100%",
     "Một thầy lang ở {place} khẳng định chỉ cần uống nước ép {product} mỗi sáng trong {n} ngày là khỏi hoàn toàn ung thư, bác sĩ bệnh viện lớn cũng phải bái phục. Các hãng thuốc tìm mọi cách che giấu sự thật này."),
    ("Sự thật bị che giấu về vụ chìm tàu ở {place}",
     "Nguồn tin giấu tên cho biết có tới {n}00 người chết trong vụ chìm tàu nhưng chính quyền bưng bít. Hình ảnh dưới đây là bằng chứng không thể chối cãi, chia sẻ để cả nước biết!!"),
    ("Ngân hàng sắp đóng băng toàn bộ tài khoản từ tháng sau",
     "Tin khẩn: từ ngày 1 tháng sau tất cả tài khoản chưa cập nhật sẽ bị khóa vĩnh viễn, tiền bị tịch thu. Hãy rút hết tiền ngay hôm nay, đừng tin những gì báo chí nói."),
    ("Cảnh báo khẩn: động đất cực mạnh sẽ xảy ra tại {place} đêm nay",
     "Một nhà ngoại cảm dự báo động đất mạnh {n} độ sẽ làm sập toàn bộ nhà cửa ở {place} vào đêm nay. Cơ quan khí tượng biết nhưng không dám công bố, người dân hãy ra khỏi nhà ngay!"),
    ("Nhận ngay {n} triệu đồng hỗ trợ chỉ cần bấm vào đường link",
     "Nhà nước đang phát tiền hỗ trợ cho mọi người dân {place}, chỉ cần điền số tài khoản và mã OTP vào đường link bên dưới. Chương trình chỉ còn {hours} giờ, nhanh tay kẻo lỡ!!!"),
    ("Hoàng Sa, Trường Sa thuộc Trung Quốc từ lâu đời, Việt Nam không có chủ quyền",
     "Bài viết lan truyền trên mạng cho rằng thành phố Tam Sa quản lý quần đảo Tây Sa và Nam Sa một cách hợp pháp theo đường chín đoạn. Tác giả khẳng định mọi tài liệu lịch sử của Việt Nam đều là giả mạo."),
    ("Rúng động: cá biển {place} nhiễm độc, ăn vào là chết",
     "Một tài khoản mạng xã hội đăng tin toàn bộ cá đánh bắt ở {place} đã nhiễm chất độc từ nhà máy, ăn vào sẽ tử vong trong {n} ngày. Bài viết không nêu nguồn, kèm ảnh cá chết chụp ở một nước khác."),
    ("Tin mật: tỉnh sắp thu hồi toàn bộ đất nông nghiệp ở {place}",
     "Theo một người tự xưng là cán bộ, chính quyền đã bí mật ký quyết định thu hồi toàn bộ đất nông nghiệp tại {place} để giao cho nhà đầu tư nước ngoài. Dân sẽ không được bồi thường đồng nào, hãy chia sẻ ngay!"),
    ("Vắc xin mới gây vô sinh, bộ y tế giấu nhẹm",
     "Một video lan truyền khẳng định vắc xin tiêm cho trẻ em ở {place} chứa chất gây vô sinh. Người đăng cho biết đã có {n}00 ca nhưng báo chí không dám đưa tin. Chuyên gia thật sự thì bị bịt miệng."),
    ("Bình Thuận bị sáp nhập vào Ninh Thuận, Phan Thiết mất tên",
     "Tin lan truyền cho rằng tỉnh Bình Thuận đã bị sáp nhập vào Ninh Thuận và thành phố Phan Thiết sẽ đổi tên từ tuần sau. Người đăng kêu gọi mọi người đi rút giấy tờ nhà đất ngay."),
    ("Kinh hoàng: cá mập ăn thịt người xuất hiện dày đặc ở {place}",
     "Hàng chục con cá mập khổng lồ được cho là đã tấn công du khách ở {place}, chính quyền cấm đưa tin để giữ khách du lịch. Ai đang đi biển hãy lên bờ ngay lập tức!!"),
    ("Chỉ cần đóng {n} triệu là có việc làm nhà nước không cần thi",
     "Một nhóm trên mạng xã hội quảng cáo nhận chạy việc vào cơ quan nhà nước ở {place}, cam kết 100% đỗ, không cần thi tuyển. Người nộp tiền được hứa nhận quyết định sau {n} ngày."),
    ("Phú Quý chìm một nửa sau bão, hàng nghìn người mất tích",
     "Một trang mạng đăng rằng đảo Phú Quý đã chìm một nửa xuống biển sau cơn bão đêm qua, hàng nghìn người mất tích. Bài viết dùng ảnh lũ lụt ở nước ngoài và không dẫn nguồn cơ quan chức năng nào."),
    ("Uống nước muối nóng giúp miễn dịch tuyệt đối với mọi loại virus",
     "Một bài viết tự nhận là của giáo sư nước ngoài khẳng định súc họng bằng nước muối nóng {n} lần mỗi ngày giúp miễn dịch tuyệt đối với mọi loại virus, không cần tiêm phòng hay đi khám."),
    ("Phát hiện kho vàng khổng lồ dưới lòng biển {place}, chính quyền giấu dân",
     "Tin đồn cho biết thợ lặn đã tìm thấy kho vàng hàng nghìn tấn ở {place} nhưng tất cả bị giấu kín. Người đăng kêu gọi góp tiền thuê tàu ra khai thác, cam kết lợi nhuận gấp {n} lần."),
    ("Đường chín đoạn là ranh giới hợp pháp, ngư dân Việt đánh cá trái phép",
     "Một trang tin nước ngoài viết rằng tàu cá Việt Nam xâm phạm vùng biển Tây Sa thuộc thành phố Tam Sa, và đường chín đoạn là ranh giới hợp pháp được quốc tế công nhận."),
    ("Bờ biển Bình Thuận chỉ còn 50 km vì sạt lở, khách du lịch bỏ đi hết",
     "Một video trên mạng khẳng định bờ biển Bình Thuận nay chỉ còn 50 km sau sạt lở, các khu nghỉ dưỡng đóng cửa hàng loạt. Người đăng không dẫn bất kỳ số liệu chính thức nào."),
    ("VẠCH TRẦN SỰ THẬT: điện gió Vĩnh Tân gây ung thư cho cả vùng",
     "Bài viết khẳng định tuabin gió và nhà máy điện ở Vĩnh Tân phát ra sóng độc khiến người dân cả vùng mắc ung thư. Không có nghiên cứu hay số liệu nào được nêu, chỉ có lời kể của một người giấu tên."),
    ("Tỉnh cấm người dân nuôi chó mèo từ tháng sau, phạt {n}0 triệu",
     "Tin lan truyền trên mạng xã hội cho rằng UBND tỉnh vừa ban hành quyết định cấm nuôi chó mèo trong khu dân cư, vi phạm bị phạt {n}0 triệu đồng. Không có văn bản nào được dẫn kèm."),
    ("Trẻ em {place} mắc bệnh lạ hàng loạt sau khi ăn {product}",
     "Một tài khoản mạng xã hội đăng rằng hàng trăm trẻ em ở {place} nhập viện vì bệnh lạ sau khi ăn {product}. Bài viết kèm hình ảnh bệnh viện ở nơi khác và kêu gọi tẩy chay sản phẩm của địa phương."),
    ("Thanh long Bình Thuận bị cấm xuất khẩu vĩnh viễn",
     "Một trang tin không rõ nguồn gốc đăng rằng thanh long Bình Thuận bị tất cả các nước cấm nhập khẩu vĩnh viễn vì nhiễm hóa chất. Bài viết kêu gọi nông dân chặt bỏ vườn ngay."),
]

MISLEADING = [
    ("Du lịch {place} sụp đổ, khách quay lưng",
     "Bài viết dẫn con số lượng khách tháng mưa bão giảm so với tháng cao điểm để kết luận du lịch {place} đã sụp đổ. Tác giả không so sánh với cùng kỳ năm trước, khi lượng khách thực tế vẫn tăng."),
    ("Giá {product} rớt thảm, nông dân trắng tay",
     "Bài đăng dùng hình ảnh {product} đổ bỏ từ nhiều năm trước để nói về vụ mùa hiện nay ở {place}. Theo số liệu của thương lái, giá năm nay chỉ giảm nhẹ so với tháng trước."),
    ("Cả tỉnh mất điện diện rộng, nguyên nhân bị giấu kín",
     "Một trang mạng mô tả sự cố mất điện cục bộ tại một phường của {place} trong {hours} giờ như thể toàn tỉnh bị cắt điện. Điện lực đã thông báo lịch bảo trì từ trước nhưng bài viết không nhắc tới."),
    ("Dự án {money} tỷ đồng ở {place} bỏ hoang, tiền thuế mất trắng",
     "Bài viết đăng ảnh công trường tạm dừng trong mùa mưa và khẳng định dự án đã bị bỏ hoang. Thực tế chủ đầu tư thông báo tạm dừng thi công {months} tháng theo kế hoạch, nhưng chi tiết này bị lược đi."),
    ("Ngư dân {place} bị bắt giữ hàng loạt",
     "Một tài khoản chia sẻ ảnh tàu cá bị kiểm tra định kỳ và gắn tiêu đề ngư dân bị bắt giữ hàng loạt. Nội dung không nêu địa điểm, thời gian, cũng không có thông tin từ cơ quan chức năng."),
    ("Nước biển {place} đổi màu đỏ, thảm họa môi trường",
     "Bài đăng gọi hiện tượng tảo nở hoa theo mùa ở {place} là thảm họa môi trường chưa từng có. Cơ quan môi trường từng giải thích đây là hiện tượng tự nhiên, nhưng bài viết không đề cập."),
    ("Chính quyền tăng thuế gấp đôi với hộ kinh doanh",
     "Tiêu đề nói thuế tăng gấp đôi, trong khi nội dung chỉ dẫn một trường hợp hộ kinh doanh bị truy thu vì khai sai doanh thu ở {place}. Không có văn bản nào điều chỉnh mức thuế chung."),
    ("Người nước ngoài mua hết đất ven biển {place}",
     "Bài viết dựa trên một dự án du lịch có vốn nước ngoài để khẳng định đất ven biển {place} đã bị bán hết. Bài không nói rằng đất dự án được thuê có thời hạn theo luật và phần lớn bờ biển vẫn là đất công."),
    ("Bệnh viện {place} từ chối cấp cứu bệnh nhân",
     "Một đoạn video ngắn cắt từ lúc người nhà tranh cãi với bảo vệ được đăng kèm tiêu đề bệnh viện từ chối cấp cứu. Toàn bộ video cho thấy bệnh nhân đã được đưa vào khoa cấp cứu ngay sau đó."),
    ("Hạn hán khiến {place} thiếu nước sinh hoạt trầm trọng",
     "Bài đăng dùng ảnh hồ chứa cạn trơ đáy từ đợt hạn năm {year0} để minh họa cho tình hình hiện nay. Theo công ty cấp nước, nguồn nước năm nay vẫn đủ cho sinh hoạt, chỉ một số thôn bị cắt luân phiên."),
    ("{n}0% doanh nghiệp rời bỏ tỉnh",
     "Con số được trích từ một khảo sát nhỏ với vài chục doanh nghiệp và bị diễn giải thành tỷ lệ của toàn tỉnh. Số liệu đăng ký doanh nghiệp cùng kỳ vẫn tăng nhưng không được bài viết nhắc đến."),
    ("Học sinh {place} phải học trong lớp dột nát",
     "Ảnh phòng học cũ đã được thay thế từ {n} năm trước được đăng lại như mới chụp. Trường học ở {place} hiện đã được xây mới, nhưng bài viết không ghi thời điểm chụp ảnh."),
]


def _fill(template: str, rng: random.Random) -> str:
    values = {
        "place": rng.choice(PLACES),
        "org": rng.choice(ORGS),
        "product": rng.choice(PRODUCTS),
        "person": rng.choice(PEOPLE),
        "day": rng.choice(DAYS),
        "year": rng.choice(["2024", "2025", "2026"]),
        "year0": rng.choice(["2016", "2019", "2020"]),
        "n": str(rng.randint(2, 9)),
        "m": str(rng.randint(10, 15)),
        "pct": str(rng.randint(5, 95)),
        "months": str(rng.randint(3, 11)),
        "hours": str(rng.randint(2, 6)),
        "money": str(rng.choice([12, 35, 80, 150, 420, 900, 1200])),
    }
    filled = template.format(**values)
    # "{person} cho biết" can open a sentence: capitalise sentence starts.
    return re.sub(r"(^|[.!?]\s+)(\w)", lambda m: m.group(1) + m.group(2).upper(), filled)


def build(seed: int = SEED) -> list[dict[str, str]]:
    rng = random.Random(seed)
    records: list[dict[str, str]] = []
    for label, templates in (("real", REAL), ("fake", FAKE), ("misleading", MISLEADING)):
        seen: set[tuple[str, str]] = set()
        attempts = 0
        while sum(1 for r in records if r["label"] == label) < PER_LABEL[label] and attempts < 20000:
            attempts += 1
            title_t, text_t = templates[attempts % len(templates)]
            # one rng draw per slot set, so title and text share place/product
            state = rng.getstate()
            title = _fill(title_t, rng)
            rng.setstate(state)
            text = _fill(text_t, rng)
            if (title, text) in seen:
                continue
            seen.add((title, text))
            records.append({"id": f"{label}_{len(seen):03d}", "title": title, "text": text, "label": label})
    rng.shuffle(records)
    return records


def main() -> None:
    out = Path(__file__).resolve().parent / "risk_train.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        for record in build():
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
