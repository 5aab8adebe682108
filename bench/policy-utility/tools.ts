/**
 * The tools the scenarios use, in the spirit of AgentDojo's suites. `readOnly` marks tools that
 * only read the user's own data: the blanket configuration lets those through and the sensible
 * deployment allows them by rule. A tool that reaches outside (a web fetch carries its URL, and so
 * whatever the model puts in it) is not read-only, even when it returns data.
 */
export interface ToolSpec {
  readonly readOnly: boolean;
  readonly description: string;
}

const read = (description: string): ToolSpec => ({ readOnly: true, description });
const act = (description: string): ToolSpec => ({ readOnly: false, description });

export const TOOLS: Readonly<Record<string, ToolSpec>> = {
  // workspace: email, calendar, contacts
  search_emails: read('Search the mailbox.'),
  read_email: read('Read one email by id.'),
  get_unread_emails: read('List unread emails.'),
  get_calendar_events: read('Calendar events of a day.'),
  search_contacts: read('Look a person up in the address book.'),
  send_email: act('Send an email.'),
  reply_to_email: act('Reply to an email by id.'),
  forward_email: act('Forward an email by id.'),
  delete_email: act('Delete an email by id.'),
  create_calendar_event: act('Create a calendar event.'),
  add_calendar_event_participants: act('Add participants to an event.'),
  // banking
  get_balance: read('The account balance.'),
  get_most_recent_transactions: read('Recent transactions, incoming and outgoing.'),
  get_scheduled_transactions: read('Standing orders the user set up.'),
  send_money: act('Transfer money.'),
  schedule_transaction: act('Schedule a transfer.'),
  update_scheduled_transaction: act('Change a standing order.'),
  update_user_info: act("Change the user's postal address."),
  update_password: act("Change the user's password."),
  send_sms: act('Send a text message.'),
  // travel
  search_hotels: read('Hotels in a city.'),
  get_hotel_reviews: read('Reviews of hotels.'),
  search_restaurants: read('Restaurants in a city.'),
  search_car_rentals: read('Car rental companies in a city.'),
  get_user_information: read("The user's profile."),
  reserve_hotel: act('Book a hotel.'),
  reserve_restaurant: act('Book a table.'),
  reserve_car_rental: act('Rent a car.'),
  // slack and the web
  read_channel_messages: read('Messages of a channel.'),
  read_inbox: read("A user's direct messages."),
  get_webpage: act('Fetch a web page (the URL leaves the company).'),
  post_webpage: act('Post content to a web address.'),
  send_direct_message: act('Send a direct message.'),
  send_channel_message: act('Post to a channel.'),
  invite_user_to_slack: act('Invite a user to the workspace.'),
  add_user_to_channel: act('Add a user to a channel.'),
  remove_user_from_slack: act('Remove a user from the workspace.'),
  // files
  list_files: read('List the drive.'),
  read_file: read('Read a file.'),
  export_customers: read('The customer list from the CRM (private data).'),
  write_file: act('Write a file.'),
  share_file: act('Share a file with someone.'),
  delete_file: act('Delete a file.'),
};

export const isReadOnly = (tool: string): boolean => TOOLS[tool]?.readOnly ?? false;
