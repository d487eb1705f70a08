"""A news story written for the tests, lightly edited copies of it, and an unrelated one.

Written for this repository (not copied from any outlet)."""

from __future__ import annotations

ORIGINAL = """
Chiều 20/11, tại thành phố Phan Thiết, Sở Khoa học và Công nghệ tổ chức hội thảo về ứng dụng
công nghệ bảo quản sau thu hoạch cho cây thanh long. Theo báo cáo tại hội thảo, diện tích thanh
long toàn tỉnh hiện khoảng 30.000 héc ta, sản lượng mỗi năm đạt hơn 600.000 tấn, phần lớn xuất
khẩu sang các thị trường châu Á và châu Âu.
Các chuyên gia cho biết tỷ lệ hao hụt sau thu hoạch vẫn ở mức cao do thiếu kho lạnh và quy trình
sơ chế chưa đồng bộ. Một số doanh nghiệp đã thử nghiệm công nghệ chiếu xạ và bảo quản bằng khí
quyển điều chỉnh, giúp kéo dài thời gian bảo quản trái thanh long lên bốn đến năm tuần.
Phát biểu kết luận, lãnh đạo Sở đề nghị các địa phương phối hợp với doanh nghiệp xây dựng vùng
trồng đạt chuẩn, đẩy mạnh chuyển đổi số trong truy xuất nguồn gốc và mở rộng hợp tác quốc tế để
nâng cao giá trị sản phẩm chủ lực của tỉnh.
"""

EDITED = (
    # A second outlet: new lead sentence, one number rounded, last clause dropped.
    """
Ngành thanh long Bình Thuận tìm cách giảm hao hụt sau thu hoạch. Chiều 20/11, tại thành phố Phan
Thiết, Sở Khoa học và Công nghệ tổ chức hội thảo về ứng dụng công nghệ bảo quản sau thu hoạch cho
cây thanh long. Theo báo cáo tại hội thảo, diện tích thanh long toàn tỉnh hiện khoảng 30.000 héc
ta, sản lượng mỗi năm đạt khoảng 600.000 tấn, phần lớn xuất khẩu sang các thị trường châu Á và
châu Âu.
Các chuyên gia cho biết tỷ lệ hao hụt sau thu hoạch vẫn ở mức cao do thiếu kho lạnh và quy trình
sơ chế chưa đồng bộ. Một số doanh nghiệp đã thử nghiệm công nghệ chiếu xạ và bảo quản bằng khí
quyển điều chỉnh, giúp kéo dài thời gian bảo quản trái thanh long lên bốn đến năm tuần.
Phát biểu kết luận, lãnh đạo Sở đề nghị các địa phương phối hợp với doanh nghiệp xây dựng vùng
trồng đạt chuẩn, đẩy mạnh chuyển đổi số trong truy xuất nguồn gốc.
""",
    # A third outlet: wire copy with a by-line, a sentence reworded.
    """
(TTXVN) Chiều 20/11, tại thành phố Phan Thiết, Sở Khoa học và Công nghệ tỉnh Bình Thuận tổ chức
hội thảo về ứng dụng công nghệ bảo quản sau thu hoạch cho cây thanh long. Theo báo cáo tại hội
thảo, diện tích thanh long toàn tỉnh hiện khoảng 30.000 héc ta, sản lượng mỗi năm đạt hơn 600.000
tấn, phần lớn xuất khẩu sang các thị trường châu Á và châu Âu.
Theo các chuyên gia, kho lạnh còn thiếu và quy trình sơ chế chưa đồng bộ nên tỷ lệ hao hụt vẫn
cao. Một số doanh nghiệp đã thử nghiệm công nghệ chiếu xạ và bảo quản bằng khí quyển điều chỉnh,
giúp kéo dài thời gian bảo quản trái thanh long lên bốn đến năm tuần.
Phát biểu kết luận, lãnh đạo Sở đề nghị các địa phương phối hợp với doanh nghiệp xây dựng vùng
trồng đạt chuẩn, đẩy mạnh chuyển đổi số trong truy xuất nguồn gốc và mở rộng hợp tác quốc tế để
nâng cao giá trị sản phẩm chủ lực của tỉnh.
""",
)

# Same province, same product, same week: a different story.
UNRELATED = """
Sáng 21/11, Ủy ban nhân dân tỉnh Bình Thuận tiếp đoàn doanh nghiệp Hàn Quốc đến tìm hiểu cơ hội đầu
tư vào lĩnh vực năng lượng tái tạo và chế biến nông sản. Đoàn quan tâm đến hạ tầng cảng biển, nguồn
nhân lực và các chính sách ưu đãi của tỉnh dành cho nhà đầu tư nước ngoài.
Đại diện tỉnh giới thiệu các khu công nghiệp đang thu hút đầu tư, đồng thời cam kết hỗ trợ thủ tục
hành chính nhanh gọn. Hai bên thống nhất sẽ tổ chức một đợt khảo sát thực địa vào đầu năm sau, trong
đó có vùng trồng thanh long và các nhà máy điện gió ngoài khơi.
"""
