/* The submissions page's upload: dcc.Upload reads the chosen or dropped file in the browser; this
   posts it to submissions/check with XMLHttpRequest, whose upload events drive the progress bar
   (a Dash callback cannot report progress). The page's server callback then shows the report. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  tracker: {
    upload: function (contents, filename, context) {
      if (!contents) { return window.dash_clientside.no_update; }
      var set = window.dash_clientside.set_props;
      var config = JSON.parse((document.getElementById("_dash-config") || {}).textContent || "{}");
      var token = (document.cookie.match(/(?:^|; )_csrf_token=([^;]*)/) || [])[1] || "";
      set("submissions-progress-box", {hidden: false});
      set("submissions-progress", {value: 0});
      return fetch(contents).then(function (read) { return read.blob(); }).then(function (file) {
        var form = new FormData();
        form.append("file", file, filename || "upload.xlsx");
        form.append("entity", context.entity || "");
        form.append("period", context.period || "");
        return new Promise(function (resolve) {
          var request = new XMLHttpRequest();
          var answer = {status: 0, upload_id: null, file: filename, at: Date.now()};
          request.open("POST", (config.requests_pathname_prefix || "/") + "submissions/check");
          request.setRequestHeader("X-CSRFToken", decodeURIComponent(token));
          request.upload.onprogress = function (event) {
            if (event.lengthComputable) {
              set("submissions-progress", {value: Math.round(100 * event.loaded / event.total)});
            }
          };
          request.upload.onload = function () { set("submissions-progress", {value: 100}); };
          request.onload = function () {
            answer.status = request.status;
            try { answer.upload_id = JSON.parse(request.responseText).upload_id; } catch (e) { /* no report */ }
            resolve(answer);
          };
          request.onerror = function () { resolve(answer); };
          request.send(form);
        });
      });
    },
  },
});
