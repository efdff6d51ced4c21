"""/thongbao: composing a notice, its preview, its delivery report and acknowledgements."""
