/* Users /admin/users (dashboards/admin_users.py): the page's choices are the browser's own
   <select> elements. When a button is pressed, this gathers the form into the `users-request`
   store, with the button that asked; the server's callback (which checks the user's rights
   again) acts on it and redraws the list and the messages. */
(function () {
  var FIELDS = {
    email: "users-invite-email",
    name: "users-invite-name",
    role: "users-invite-role",
    entity: "users-invite-entity",
    language: "users-invite-language",
    user: "users-change-user",
    new_role: "users-change-role",
    new_entity: "users-change-entity"
  };

  function valueOf(id) {
    var element = document.getElementById(id);
    return element ? element.value : "";
  }

  function collect() {
    var triggered = window.dash_clientside.callback_context.triggered || [];
    if (!triggered.length || !triggered[0].value) {
      return window.dash_clientside.no_update;
    }
    var request = {step: triggered[0].prop_id.split(".")[0], at: Date.now()};
    Object.keys(FIELDS).forEach(function (key) {
      request[key] = valueOf(FIELDS[key]);
    });
    return request;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    adminUsers: {collect: collect}
  });
})();
